// The "spectest" host module that the WebAssembly spec tests import from,
// with the same contents as the reference interpreter's: print functions,
// four globals of value 666 / 666.6, a table (10 20 funcref) and a memory (1 2).
#pragma once

#include <string>

#include "continuum/engine/runtime.h"

namespace continuum::cli {

// Creates the host objects in `store` and defines them under "spectest".
// With `echo` the print functions write their arguments to stdout like the
// reference interpreter ("13 : i32"); otherwise they do nothing.
// On failure returns false and sets *error.
bool define_spectest_module(engine::Store& store, engine::Linker& linker, bool echo,
                            std::string* error);

}  // namespace continuum::cli
