// Translates one validated wasm function body into interpreter code.
#pragma once

#include "continuum/engine/result.h"
#include "interp/code.h"
#include "runtime/instance.h"

namespace continuum::engine::interp {

// `defined_index` counts the module's own functions (imports excluded). The
// code embeds pointers to this instance's store objects, so it belongs to
// the instance. On success the caller owns the result (free_code).
Result<CompiledFunc*> compile_function(RuntimeInstance& inst, uint32_t defined_index);

}  // namespace continuum::engine::interp
