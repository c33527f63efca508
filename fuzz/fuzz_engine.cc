// libFuzzer target for the whole engine pipeline on untrusted bytes:
// decode (one-shot and streaming, which must agree), validate, instantiate
// with every import satisfied by a dummy of the right type, then call every
// exported function with zero arguments under a fuel budget (resuming once
// when the budget runs out).
//
// Besides the sanitizers' findings, the target itself aborts when
//  - decode_module and the streaming ModuleDecoder disagree on a module,
//  - a call returns the wrong number or types of results,
//  - suspension after running out of fuel does not behave as documented, or
//  - the engine has not returned every byte it allocated once all is destroyed.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "continuum/engine/module.h"
#include "continuum/engine/port.h"
#include "harness.h"

namespace ce = continuum::engine;

namespace {

// Streams the module in three pieces cut where the input says, so the fuzzer
// also explores section boundaries falling across chunks. Returns the error
// message, or nullptr when the module was accepted.
const char* stream_decode(ce::Allocator& a, const uint8_t* data, size_t size) {
  ce::ModuleDecoder decoder(a);
  size_t first = size == 0 ? 0 : data[size - 1] % (size + 1);
  size_t second = first + (size - first) / 2;
  const size_t cuts[] = {0, first, second, size};
  for (int i = 0; i < 3; ++i) {
    auto fed = decoder.feed(data + cuts[i], cuts[i + 1] - cuts[i]);
    if (!fed.ok()) return fed.error().message;
  }
  auto finished = decoder.finish();
  return finished.ok() ? nullptr : finished.error().message;
}

bool is_out_of_memory(const char* message) {
  return message != nullptr && strstr(message, "out of memory") != nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ce::BoundedAllocator budget(ce::port::system_allocator(), fuzz::kAllocationBudget);
  {
    auto decoded = ce::decode_module(budget, data, size);
    ce::BoundedAllocator stream_budget(ce::port::system_allocator(), fuzz::kAllocationBudget);
    const char* stream_error = stream_decode(stream_budget, data, size);
    if (stream_budget.used() != 0) fuzz::fail("the streaming decoder did not return every byte");
    // Running out of the budget is the one legitimate reason to differ.
    const char* error = decoded.ok() ? nullptr : decoded.error().message;
    if ((error == nullptr) != (stream_error == nullptr) && !is_out_of_memory(error) &&
        !is_out_of_memory(stream_error))
      fuzz::fail("decode_module and the streaming decoder disagree");
    if (decoded.ok()) {
      fuzz::run_module(budget, *decoded.value());
    } else {
      char text[256];
      ce::format_error(decoded.error(), text, sizeof text);
    }
  }
  if (budget.used() != 0) fuzz::fail("the engine did not return every byte it allocated");
  return 0;
}
