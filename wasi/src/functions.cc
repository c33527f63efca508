#include "functions.h"

#include <string.h>

namespace continuum::wasi {
namespace {

template <class... T>
constexpr uint32_t count_types(T...) {
  return sizeof...(T);
}

}  // namespace

#define I32 engine::ValType::I32
#define I64 engine::ValType::I64
#define WASI_UNPAREN(...) __VA_ARGS__
#define WASI_IMPL_OF_IMPL(name) &fn::name, true
#define WASI_IMPL_OF_NOSYS(name) &fn::enosys, false
#define WASI_FN(name, kind, params, results)                                    \
  {#name,         {WASI_UNPAREN params}, count_types params, {WASI_UNPAREN results}, \
   count_types results, WASI_IMPL_OF_##kind(name)},

const FunctionSpec kFunctions[] = {
#include "preview1_functions.def"
};

#undef WASI_FN
#undef WASI_IMPL_OF_IMPL
#undef WASI_IMPL_OF_NOSYS
#undef WASI_UNPAREN
#undef I64
#undef I32

const size_t kNumFunctions = sizeof(kFunctions) / sizeof(kFunctions[0]);

const FunctionSpec* find_function(const char* name) {
  for (size_t i = 0; i < kNumFunctions; ++i) {
    if (strcmp(kFunctions[i].name, name) == 0) return &kFunctions[i];
  }
  return nullptr;
}

namespace fn {
engine::HostResult enosys(Guest&, const uint64_t*, uint64_t* results) {
  return reply(results, abi::kNosys);
}
}  // namespace fn

}  // namespace continuum::wasi
