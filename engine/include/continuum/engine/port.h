// The engine's port layer: the only place that touches the platform. The
// engine calls these three things and nothing else of the operating system.
// engine/port/posix.cc implements them for Linux/macOS, engine/port/baremetal.cc for
// Cortex-M (newlib, semihosting).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "continuum/engine/allocator.h"

namespace continuum::engine::port {

// The platform's general-purpose heap (malloc/free); wrap it in a
// BoundedAllocator to give the engine a budget.
Allocator& system_allocator();

// Monotonic time in nanoseconds.
uint64_t monotonic_ns();

enum class LogLevel : uint8_t { Debug, Info, Warn, Error };
void log(LogLevel level, const char* message);

}  // namespace continuum::engine::port
