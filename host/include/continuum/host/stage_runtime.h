// One stage brought to life: a module (wasm through the engine, or a native
// shared library built from the same C sources) bound to a StageHost, with
// deliveries of init, messages and ticks. The node agent owns one per stage.
#pragma once

#include <stdint.h>

#include <memory>
#include <string>
#include <string_view>

#include <vector>

#include "continuum/engine/snapshot.h"
#include "continuum/host/stage_host.h"

namespace continuum::host {

struct RuntimeLimits {
  uint64_t fuel_per_call = 50 * 1000 * 1000;  // wasm only: instructions per delivery
  uint64_t memory_bytes = 16 * 1024 * 1024;   // wasm only: engine allocations, guest memory included
};

// How one delivery ended.
struct CallResult {
  enum class Kind : uint8_t { Ok, HandlerError, Trapped, OutOfFuel, TooLarge };
  Kind kind = Kind::Ok;
  int32_t code = 0;     // the handler's return value (Ok, HandlerError)
  std::string detail;   // trap text
  bool ok() const { return kind == Kind::Ok; }
};

// The three module entry points, however the module runs.
class StageModule {
 public:
  virtual ~StageModule() = default;
  virtual CallResult init() = 0;
  virtual CallResult on_message(std::string_view port, const uint8_t* payload, uint32_t len) = 0;
  virtual CallResult on_tick(int64_t now_us) = 0;
  // Instructions run since loading (wasm); 0 where nothing is metered (native).
  virtual uint64_t fuel_consumed() const { return 0; }

  // The state hand-over hooks (ctm_state_save / ctm_state_load), if exported.
  virtual bool has_state_save() const = 0;
  virtual bool has_state_load() const = 0;
  // Runs the save protocol (size query, ctm_alloc, fill); Ok with *out filled.
  virtual CallResult save_state(std::vector<uint8_t>* out) = 0;
  // ctm_alloc + ctm_state_load; Ok when the module returned CTM_OK.
  virtual CallResult load_state(const uint8_t* state, uint32_t len) = 0;

  // Whole-instance snapshots (engine/include/continuum/engine/snapshot.h):
  // wasm only; a native module answers false with the reason.
  virtual bool write_instance_snapshot(engine::SnapshotSink& out, std::string* error) = 0;
  // Replaces the instance with a fresh one (start function and _initialize
  // not run) holding the snapshot's state. After a failure the module is
  // unusable and must be unloaded.
  virtual bool restore_instance_snapshot(engine::SnapshotSource& in, std::string* error) = 0;
};

// A message taken from the stage's input queue but not yet delivered: part of
// a stage snapshot so that a moved stage handles it on the target.
struct PendingInput {
  std::string port;
  std::vector<uint8_t> payload;
  bool operator==(const PendingInput&) const = default;
};

// What handover_to carried to the next version.
enum class HandoverKind : uint8_t {
  StateHooks,  // ctm_state_save of the old version -> ctm_state_load of the new (plus KV)
  KvOnly,      // one side has no hooks: only the KV state went across
};

// Loads a wasm module from bytes, or a native library from a path.
std::unique_ptr<StageModule> load_wasm_module(const uint8_t* bytes, size_t size, StageHost& host,
                                              const RuntimeLimits& limits, std::string* error);
std::unique_ptr<StageModule> load_native_module(const std::string& path, StageHost& host,
                                                std::string* error);

class StageRuntime {
 public:
  // Loads PATH: a wasm binary (by its magic bytes) or else a native shared library.
  static std::unique_ptr<StageRuntime> load(const std::string& path, StageConfig config,
                                            HostDevices& devices, const RuntimeLimits& limits,
                                            std::string* error);
  static std::unique_ptr<StageRuntime> from_wasm_bytes(const uint8_t* bytes, size_t size,
                                                       StageConfig config, HostDevices& devices,
                                                       const RuntimeLimits& limits,
                                                       std::string* error);

  CallResult init();
  CallResult deliver(std::string_view port, const uint8_t* payload, uint32_t len);
  CallResult tick(int64_t now_us);

  // ---- Moving a stage (docs/snapshot.md, "Stage snapshots") ----
  // Writes the stage: its KV state, the caller's PENDING inputs, and the
  // module's state: the whole wasm instance, or for a native module the bytes
  // of its ctm_state_save hook (a native module without it is refused).
  // Call between deliveries only.
  // MODULE_STATE_ONLY: write the ctm_state_save bytes even for a wasm module,
  // for a target that runs the native build of the same sources.
  bool snapshot(const std::vector<PendingInput>& pending, engine::SnapshotSink& out,
                std::string* error, bool module_state_only = false);
  bool snapshot(const std::vector<PendingInput>& pending, std::vector<uint8_t>* out,
                std::string* error, bool module_state_only = false);
  // Restores a stage snapshot into this freshly loaded runtime of the same
  // module, INSTEAD of init(): a wasm instance comes back as it was (ctm_init
  // is not run again); a native module is initialised and then given its
  // saved state through ctm_state_load. The pending inputs are returned for
  // the caller to deliver first, in order. On failure, discard the runtime.
  bool restore(engine::SnapshotSource& in, std::vector<PendingInput>* pending, std::string* error);
  bool restore(const uint8_t* data, size_t size, std::vector<PendingInput>* pending,
               std::string* error);

  // Hands this stage's state to NEXT, a freshly loaded runtime of the next
  // version (not yet initialised): copies the KV state into it, runs its
  // ctm_init, then, when this module exports ctm_state_save and NEXT exports
  // ctm_state_load, moves the saved state across. *kind says which happened.
  bool handover_to(StageRuntime& next, HandoverKind* kind, std::string* error);

  StageHost& host() { return *host_; }
  uint64_t fuel_consumed() const { return module_->fuel_consumed(); }

 private:
  StageRuntime() = default;
  CallResult finish(const char* entry, CallResult r);

  std::unique_ptr<StageHost> host_;
  std::unique_ptr<StageModule> module_;
};

}  // namespace continuum::host
