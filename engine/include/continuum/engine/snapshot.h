// Snapshots of an instance's WebAssembly-level state, for moving a running
// stage to another node and for restarting it where it stopped.
//
// A snapshot holds what the specification calls the instance's state and
// nothing of the execution tier: every memory, global and table the module
// defines, and which of its data and element segments have been dropped.
// Functions appear only as indices into the module's function space, so a
// snapshot written by the interpreter on x86-64 restores into any tier on any
// architecture. The format (little-endian, fixed-width, versioned, ending in
// a SHA-256 of its own bytes) is specified byte by byte in docs/snapshot.md.
//
// Snapshots are taken only between calls: an execution suspended out of fuel
// has state on its own stacks that the snapshot cannot express, and is refused.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "continuum/engine/result.h"
#include "continuum/engine/runtime.h"

namespace continuum::engine {

inline constexpr uint32_t kSnapshotFormatVersion = 1;
// Memory is stored in blocks of this size; runs of all-zero blocks cost 5 bytes.
inline constexpr uint32_t kSnapshotBlockBytes = 4096;

// Where a snapshot goes, a piece at a time (a device need not hold a second
// copy of its memory). Returns false if the bytes could not be taken.
class SnapshotSink {
 public:
  virtual ~SnapshotSink() = default;
  virtual bool write(const uint8_t* data, size_t size) = 0;
};

// Where a snapshot comes from. Fills up to `size` bytes and returns how many;
// fewer than asked only at the end of the input.
class SnapshotSource {
 public:
  virtual ~SnapshotSource() = default;
  virtual size_t read(uint8_t* data, size_t size) = 0;
};

// Writes the state of `instance`. `exec` is the execution that runs its calls:
// the snapshot is refused while it is suspended (an embedder must also not
// call this from inside a host function). A table or global holding a
// non-null externref, or a function of another instance, is refused: neither
// can be named on another node. Errors carry a static message; nothing is
// allocated.
Result<void> write_snapshot(const Instance& instance, const Execution& exec, SnapshotSink& out);

// Writes the state read from `in` into `instance`, which must be an instance
// of the same module (checked by the module digest) and should be fresh: made
// with InstantiateOptions::run_start = false so the start function does not run
// twice. Memories and tables grow to the snapshot's sizes. Errors carry the
// byte offset in the snapshot where the problem was found. After an error the
// instance holds partly restored state and must be discarded.
Result<void> restore_snapshot(Instance& instance, const Execution& exec, SnapshotSource& in);

// SHA-256 of a module's binary, as the snapshot header records it.
void module_digest(const Module& module, uint8_t out[32]);

}  // namespace continuum::engine
