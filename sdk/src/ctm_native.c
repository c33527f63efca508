/* Native builds only: the ctm_* host functions, each a call through the
 * table the host installed with ctm_native_install. Generated from
 * continuum_abi.def, like the wasm imports in continuum.h. */
#include "continuum.h"

#if !defined(__wasm__)
#include "continuum_native.h"

static const struct ctm_native_host* ctm_host;

__attribute__((visibility("default"))) int32_t ctm_native_install(
    const struct ctm_native_host* host) {
  if (host == 0 || host->abi_version != CTM_ABI_VERSION) return -1;
  ctm_host = host;
  return 0;
}

#define CTM_IMPORT(name, result, grant, n, params, doc)                          \
  CTM_ABI_CTYPE(result) ctm_##name(CTM_ABI_PARAM_LIST(n, params)) {              \
    return ctm_host->name(ctm_host->ctx CTM_ABI_TAIL_ARGS(n, params));           \
  }
#include "continuum_abi.def"
#undef CTM_IMPORT
#endif
