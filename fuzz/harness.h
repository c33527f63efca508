// What the fuzz targets share: running a decoded module the way an embedder
// with no knowledge of it would, and failing loudly when an engine invariant
// breaks (so that libFuzzer records the input as a crash).
#pragma once

#include <stddef.h>

#include "continuum/engine/allocator.h"
#include "continuum/engine/module.h"

namespace fuzz {

namespace ce = continuum::engine;

// Generous for a fuzzer, small enough that a module asking for gigabytes is
// refused quickly instead of exhausting the machine.
inline constexpr size_t kAllocationBudget = 128u * 1024 * 1024;

// Instantiates `m` with a dummy for every import (host functions returning
// zeros, tables/memories/globals created to match), then calls every
// exported function with zero arguments under a fuel budget, resuming once
// when it runs out. Checks result counts and types and the suspension rules.
void run_module(ce::Allocator& budget, const ce::Module& m);

[[noreturn]] void fail(const char* what);

}  // namespace fuzz
