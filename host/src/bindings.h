// The two ways a module reaches its StageHost, both generated from
// continuum_abi.def.
#pragma once

#include "continuum/engine/runtime.h"
#include "continuum/host/stage_host.h"
#include "continuum_native.h"

namespace continuum::host {

// Defines every import of module "continuum" in LINKER, bound to HOST.
engine::Result<void> define_wasm_imports(engine::Store& store, engine::Linker& linker,
                                         StageHost& host);

// The function table a native module build calls through (ctx = &host).
ctm_native_host make_native_host_table(StageHost& host);

}  // namespace continuum::host
