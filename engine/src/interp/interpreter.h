// The dispatch loop. It runs interpreter code on an explicit frame stack (wasm
// calls never recurse in C++) until the outermost frame returns, a trap, or
// the fuel runs out; the whole machine state lives in RunState, so a run that
// stopped for fuel continues exactly where it stopped.
#pragma once

#include <stdint.h>

#include "continuum/engine/runtime.h"
#include "interp/code.h"

namespace continuum::engine::interp {

struct RunState {
  // Machine registers, loaded at entry and saved at every exit.
  const uint32_t* ip = nullptr;
  uint64_t* fp = nullptr;
  FuncInstance* func = nullptr;  // the function executing (always a wasm one)
  uint32_t depth = 0;            // frames in use
  uint64_t fuel = 0;

  // Limits and context.
  Frame* frames = nullptr;
  uint32_t max_depth = 0;
  uint64_t* stack_end = nullptr;
  Store* store = nullptr;

  // Set before a host function runs: where a re-entrant call may start.
  uint64_t* reentry_sp = nullptr;

  Trap trap;  // on RunExit::Trap
};

enum class RunExit : uint8_t { Halt, Trap, OutOfFuel };

RunExit run(RunState& state);

#if CTM_INTERP_COMPUTED_GOTO
// Handler offsets relative to the loop's base label, indexed by IOp.
const int32_t* handler_offsets();
#endif

}  // namespace continuum::engine::interp
