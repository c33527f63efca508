// Process-level preview1 functions: argv, environment, randomness, exit,
// yielding.
#include <errno.h>
#include <sched.h>
#include <sys/random.h>

#include <string>
#include <vector>

#include "functions.h"
#include "host_errno.h"

namespace continuum::wasi::fn {
namespace {

// *_sizes_get: how many strings and how many bytes they take NUL-terminated.
abi::Errno string_list_sizes(Guest& g, const std::vector<std::string>& list, uint32_t count_ptr,
                             uint32_t bytes_ptr) {
  uint64_t bytes = 0;
  for (const std::string& s : list) bytes += s.size() + 1;
  if (bytes > UINT32_MAX) return abi::kOverflow;
  if (g.mem.span(count_ptr, 4) == nullptr || g.mem.span(bytes_ptr, 4) == nullptr) {
    return abi::kFault;
  }
  g.mem.write_u32(count_ptr, static_cast<uint32_t>(list.size()));
  g.mem.write_u32(bytes_ptr, static_cast<uint32_t>(bytes));
  return abi::kSuccess;
}

// *_get: an array of pointers at `ptrs`, the strings themselves at `buf`.
abi::Errno string_list_copy(Guest& g, const std::vector<std::string>& list, uint32_t ptrs,
                            uint32_t buf) {
  uint64_t bytes = 0;
  for (const std::string& s : list) bytes += s.size() + 1;
  uint8_t* pointers = g.mem.span(ptrs, uint64_t(list.size()) * 4);
  uint8_t* chars = g.mem.span(buf, bytes);
  if (pointers == nullptr || chars == nullptr) return abi::kFault;
  uint64_t at = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    put_u32(pointers + 4 * i, static_cast<uint32_t>(buf + at));
    const std::string& s = list[i];
    for (size_t k = 0; k < s.size(); ++k) chars[at + k] = static_cast<uint8_t>(s[k]);
    chars[at + s.size()] = 0;
    at += s.size() + 1;
  }
  return abi::kSuccess;
}

}  // namespace

engine::HostResult args_sizes_get(Guest& g, const uint64_t* a, uint64_t* r) {
  return reply(r, string_list_sizes(g, g.state.config.args, arg_u32(a, 0), arg_u32(a, 1)));
}

engine::HostResult args_get(Guest& g, const uint64_t* a, uint64_t* r) {
  return reply(r, string_list_copy(g, g.state.config.args, arg_u32(a, 0), arg_u32(a, 1)));
}

engine::HostResult environ_sizes_get(Guest& g, const uint64_t* a, uint64_t* r) {
  return reply(r, string_list_sizes(g, g.state.config.env, arg_u32(a, 0), arg_u32(a, 1)));
}

engine::HostResult environ_get(Guest& g, const uint64_t* a, uint64_t* r) {
  return reply(r, string_list_copy(g, g.state.config.env, arg_u32(a, 0), arg_u32(a, 1)));
}

engine::HostResult random_get(Guest& g, const uint64_t* a, uint64_t* r) {
  uint32_t buf = arg_u32(a, 0);
  uint32_t len = arg_u32(a, 1);
  uint8_t* out = g.mem.span(buf, len);
  if (out == nullptr) return reply(r, abi::kFault);
  uint32_t filled = 0;
  while (filled < len) {
    ssize_t n = ::getrandom(out + filled, len - filled, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return reply(r, from_host_errno(errno));
    }
    filled += static_cast<uint32_t>(n);
  }
  return reply(r, abi::kSuccess);
}

engine::HostResult proc_exit(Guest&, const uint64_t* a, uint64_t*) {
  return engine::HostResult::exit(static_cast<int32_t>(arg_u32(a, 0)));
}

engine::HostResult sched_yield(Guest&, const uint64_t*, uint64_t* r) {
  ::sched_yield();
  return reply(r, abi::kSuccess);
}

}  // namespace continuum::wasi::fn
