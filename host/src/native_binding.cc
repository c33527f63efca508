// The native binding: the function table a module built as a shared library
// calls through. Its pointers are the library's own (native modules are
// trusted code in the host process); grants and sizes are checked exactly as
// for wasm, through the same dispatch.
#include "binding_dispatch.h"
#include "bindings.h"

namespace continuum::host {
namespace {

int32_t native_arg_I32(int32_t v) { return v; }
uint32_t native_arg_LEN(uint32_t v) { return v; }
double native_arg_F64(double v) { return v; }
const char* native_arg_STR(const char* p) { return p; }
const uint8_t* native_arg_BUF_IN(const void* p) { return static_cast<const uint8_t*>(p); }
uint8_t* native_arg_BUF_OUT(void* p) { return static_cast<uint8_t*>(p); }
uint8_t* native_arg_OUT_F64(double* p) { return reinterpret_cast<uint8_t*>(p); }

#define CTM_NATIVE_ARG(T, p, i) CTM_ABI_CAT(native_arg_, T)(p)

#define CTM_IMPORT(name, result, grant, n, params, doc)                                   \
  CTM_ABI_CTYPE(result) native_##name(void* ctx CTM_ABI_TAIL_PARAMS(n, params)) {         \
    StageHost& host = *static_cast<StageHost*>(ctx);                                      \
    std::tuple<CTM_ABI_EACH(n, CTM_HOST_TYPE_ONLY, params)> host_args{                    \
        CTM_ABI_EACH(n, CTM_NATIVE_ARG, params)};                                         \
    return binding::dispatch<CTM_ABI_CTYPE(result)>(                                      \
        host, ImportId::name, true, host_args, [&host](auto... a) { return host.name(a...); }); \
  }
#include "continuum_abi.def"
#undef CTM_IMPORT

}  // namespace

ctm_native_host make_native_host_table(StageHost& host) {
  ctm_native_host table{};
  table.abi_version = CTM_ABI_VERSION;
  table.ctx = &host;
#define CTM_IMPORT(name, result, grant, n, params, doc) table.name = native_##name;
#include "continuum_abi.def"
#undef CTM_IMPORT
  return table;
}

}  // namespace continuum::host
