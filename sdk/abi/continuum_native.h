/* The native-build bridge: how a module built as a shared library reaches
 * its host. The host fills a ctm_native_host (one function pointer per entry
 * of continuum_abi.def, in table order, each taking the host's context first)
 * and passes it to the library's exported ctm_native_install before calling
 * ctm_init. Pointers are ordinary process pointers here: a native module is
 * trusted code, the wasm build is the sandboxed one. */
#ifndef CONTINUUM_NATIVE_H
#define CONTINUUM_NATIVE_H

#include <stdint.h>

#include "continuum_abi_macros.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ctm_native_host {
  uint32_t abi_version; /* CTM_ABI_VERSION of the host */
  void* ctx;            /* passed back as the first argument of every function */
#define CTM_IMPORT(name, result, grant, n, params, doc) \
  CTM_ABI_CTYPE(result) (*name)(void* ctx CTM_ABI_TAIL_PARAMS(n, params));
#include "continuum_abi.def"
#undef CTM_IMPORT
};

/* Exported by every native module build; returns 0, or -1 if the host's ABI
 * version differs from the module's. The host keeps *host alive while the
 * library is loaded. */
typedef int32_t (*ctm_native_install_fn)(const struct ctm_native_host* host);
#define CTM_NATIVE_INSTALL_SYMBOL "ctm_native_install"

#ifdef __cplusplus
}
#endif

#endif
