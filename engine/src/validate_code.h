// Validation of function bodies (internal). validate_module() checks the
// module-level rules and calls validate_function() for every defined function.
#pragma once

#include <stdint.h>

#include "continuum/engine/module.h"
#include "continuum/engine/result.h"

namespace continuum::engine {

// Facts about the whole module that every function body needs and that are
// computed once: which functions may be named by ref.func.
struct CodeContext {
  const Module& module;
  // declared[f] != 0 when function f appears in an element segment, an
  // export or a global initialiser (the spec's C.refs).
  const Vec<uint8_t>& declared_funcs;
};

// Validates the body of defined function `defined_index` (0 = first function
// of the code section). Reports malformed immediates as well as type errors.
Result<void> validate_function(const CodeContext& ctx, uint32_t defined_index);

}  // namespace continuum::engine
