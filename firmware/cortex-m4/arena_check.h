// Checks of the bare-metal port's heap that only the firmware can run (the
// port is compiled for the target alone): a randomised workout, and whether
// the arena is whole again once everything is freed.
#pragma once

#include <stddef.h>

#include "continuum/engine/allocator.h"

namespace firmware {

// The largest single block the allocator can hand out right now.
size_t largest_block(continuum::engine::Allocator& heap);

// Allocates, grows, shrinks and frees blocks of many sizes and alignments in
// a fixed pseudo-random order, checking that no block overlaps another or
// loses its contents. Returns false (after printing why) on the first fault.
bool arena_workout(continuum::engine::Allocator& heap);

}  // namespace firmware
