// Traps are an execution outcome, not an error: a module that divides by zero
// is valid, it just stops. Each kind's message is the specification's wording.
#pragma once

#include <stdint.h>

#include "continuum/engine/result.h"

namespace continuum::engine {

#define CTM_TRAP_KINDS(X)                                          \
  X(None, "no trap")                                               \
  X(Unreachable, "unreachable")                                    \
  X(MemoryOutOfBounds, "out of bounds memory access")              \
  X(TableOutOfBounds, "out of bounds table access")                \
  X(UndefinedElement, "undefined element")                         \
  X(UninitializedElement, "uninitialized element")                 \
  X(IndirectCallTypeMismatch, "indirect call type mismatch")       \
  X(IntegerDivideByZero, "integer divide by zero")                 \
  X(IntegerOverflow, "integer overflow")                           \
  X(InvalidConversion, "invalid conversion to integer")            \
  X(CallStackExhausted, "call stack exhausted")                    \
  X(OutOfMemory, "out of memory")                                  \
  X(Host, "host function trapped")                                 \
  X(Exit, "exit")

enum class TrapKind : uint8_t {
#define CTM_TRAP_ENUM(ident, text) ident,
  CTM_TRAP_KINDS(CTM_TRAP_ENUM)
#undef CTM_TRAP_ENUM
};

const char* trap_message(TrapKind kind);

struct Trap {
  TrapKind kind = TrapKind::None;
  uint32_t function = kNoIndex;  // function index in its module where it happened
  uint32_t offset = kNoIndex;    // byte offset in the module binary of the trapping instruction
  const char* message = nullptr; // static; a host trap's own reason (kind == Host)
  int32_t exit_code = 0;         // kind == Exit: the code passed to proc_exit
};

// Renders "out of bounds memory access (function 3, offset 0x2a)".
size_t format_trap(const Trap& trap, char* buf, size_t n);

}  // namespace continuum::engine
