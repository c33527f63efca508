// What instantiation asks of an execution tier: prepare the code of an
// instance's defined functions, and free it again with the store.
#pragma once

#include "continuum/engine/result.h"
#include "runtime/instance.h"

namespace continuum::engine::interp {

// Translates every function the instance defines into interpreter code
// (FuncInstance::code). The module must be valid.
Result<void> compile_instance(RuntimeInstance& inst);
void free_code(Allocator& a, CompiledFunc* code);

}  // namespace continuum::engine::interp
