// libFuzzer target aimed at the validator and the interpreter: the input is
// the instruction bytes of one function, placed in a fixed, valid module that
// gives it something to work on (four parameters of every number type, locals,
// an imported function, a table holding both functions, a memory with a
// passive data segment, mutable globals). Far more inputs survive decoding
// than with whole-module fuzzing, so the fuzzer spends its time in code that
// executes. The module is then run by the shared harness (fuzz/harness.h).
#include <stddef.h>
#include <stdint.h>

#include <vector>

#include "continuum/engine/module.h"
#include "continuum/engine/port.h"
#include "harness.h"

namespace ce = continuum::engine;

namespace {

using Bytes = std::vector<uint8_t>;

void append_u32(Bytes& out, uint32_t v) {
  do {
    uint8_t byte = v & 0x7F;
    v >>= 7;
    out.push_back(v != 0 ? byte | 0x80 : byte);
  } while (v != 0);
}

void append(Bytes& out, std::initializer_list<uint8_t> bytes) { out.insert(out.end(), bytes); }

void append_section(Bytes& module, uint8_t id, const Bytes& payload) {
  module.push_back(id);
  append_u32(module, static_cast<uint32_t>(payload.size()));
  module.insert(module.end(), payload.begin(), payload.end());
}

// The function under test is index 1, of type 0:
// (param i32 i64 f32 f64) (result i32), locals i32 i64 f32 f64.
Bytes module_around(const uint8_t* code, size_t size) {
  Bytes m = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
  // type 0: the function under test; type 1: (i32) -> i32, the import's.
  append_section(m, 1, {0x02, 0x60, 0x04, 0x7F, 0x7E, 0x7D, 0x7C, 0x01, 0x7F,
                        0x60, 0x01, 0x7F, 0x01, 0x7F});
  append_section(m, 2, {0x01, 0x03, 'e', 'n', 'v', 0x01, 'f', 0x00, 0x01});  // env.f: type 1
  append_section(m, 3, {0x01, 0x00});
  append_section(m, 4, {0x01, 0x70, 0x01, 0x04, 0x08});  // funcref table, 4..8
  append_section(m, 5, {0x01, 0x01, 0x01, 0x02});        // memory, 1..2 pages
  append_section(m, 6, {0x04,                            // globals: mut i32, mut i64, mut f32, f64
                        0x7F, 0x01, 0x41, 0x00, 0x0B,
                        0x7E, 0x01, 0x42, 0x00, 0x0B,
                        0x7D, 0x01, 0x43, 0x00, 0x00, 0x00, 0x00, 0x0B,
                        0x7C, 0x00, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF0, 0x3F, 0x0B});
  append_section(m, 7, {0x02, 0x03, 'r', 'u', 'n', 0x00, 0x01, 0x03, 'm', 'e', 'm', 0x02, 0x00});
  append_section(m, 9, {0x01, 0x00, 0x41, 0x00, 0x0B, 0x02, 0x00, 0x01});  // table[0..1] = f, run
  append_section(m, 12, {0x01});                                         // data count
  Bytes body = {0x04, 0x01, 0x7F, 0x01, 0x7E, 0x01, 0x7D, 0x01, 0x7C};
  body.insert(body.end(), code, code + size);
  body.push_back(0x0B);  // end
  Bytes code_section = {0x01};
  append_u32(code_section, static_cast<uint32_t>(body.size()));
  code_section.insert(code_section.end(), body.begin(), body.end());
  append_section(m, 10, code_section);
  append_section(m, 11, {0x01, 0x01, 0x05, 'h', 'e', 'l', 'l', 'o'});  // passive data
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes module = module_around(data, size);
  ce::BoundedAllocator budget(ce::port::system_allocator(), fuzz::kAllocationBudget);
  {
    auto decoded = ce::decode_module(budget, module.data(), module.size());
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
