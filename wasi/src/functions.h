// The preview1 function table (preview1_functions.def) turned into data:
// name, core wasm signature and the C++ function that serves it.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "continuum/engine/runtime.h"
#include "state.h"

namespace continuum::wasi {

// Every preview1 function has this shape inside the WASI layer; the engine's
// HostFunc is adapted to it in wasi_context.cc.
using GuestFunc = engine::HostResult (*)(Guest& guest, const uint64_t* args, uint64_t* results);

namespace fn {
#define WASI_DECLARE_IMPL(name) \
  engine::HostResult name(Guest& guest, const uint64_t* args, uint64_t* results);
#define WASI_DECLARE_NOSYS(name)
#define WASI_FN(name, kind, params, results) WASI_DECLARE_##kind(name)
#include "preview1_functions.def"
#undef WASI_FN
#undef WASI_DECLARE_IMPL
#undef WASI_DECLARE_NOSYS

// Shared by every function the table marks NOSYS.
engine::HostResult enosys(Guest& guest, const uint64_t* args, uint64_t* results);
}  // namespace fn

inline constexpr uint32_t kMaxParams = 9;  // path_open

struct FunctionSpec {
  const char* name;
  engine::ValType params[kMaxParams];
  uint32_t num_params;
  engine::ValType results[1];
  uint32_t num_results;
  GuestFunc impl;
  bool implemented;
};

extern const FunctionSpec kFunctions[];
extern const size_t kNumFunctions;

// The row for `name`, or nullptr.
const FunctionSpec* find_function(const char* name);

}  // namespace continuum::wasi
