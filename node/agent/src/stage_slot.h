// One stage as the agent runs it: its module runtime (reloaded after a
// failure), its bounded input queue, its persisted sequence counter, the
// supervisor's backoff state and its counters.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <vector>
#include <memory>
#include <random>
#include <string>

#include "continuum/devices/host_adapter.h"
#include "continuum/host/stage_runtime.h"
#include "continuum/node/agent/agent.h"
#include "continuum/node/agent/config.h"
#include "continuum/ota/signature.h"
#include "lineage.h"
#include "module_store.h"
#include "rate_window.h"

namespace continuum::node::agent {

using Clock = std::chrono::steady_clock;

struct Delivery {
  std::string port;
  std::string payload;     // a whole envelope
  int64_t arrival_ms = 0;  // wall clock when it was enqueued (the stage's hop time)
  std::optional<InputOrigin> origin;  // decoded on receipt; empty: lineage_of_input parses the payload
  // The envelope's publisher ("node/stage") and seq, when known: a moved
  // stage's target drops what the source already handled (docs/migration.md).
  std::string source;
  uint64_t seq = 0;
};

// The sequence number of a stage's envelopes, kept in a file so that it keeps
// increasing across restarts of the node (ingest dedups by (node, stage, seq)).
class SeqCounter {
 public:
  explicit SeqCounter(std::string path);
  ~SeqCounter();
  SeqCounter(const SeqCounter&) = delete;
  SeqCounter& operator=(const SeqCounter&) = delete;
  uint64_t take();  // the next number, persisted before it is returned
  uint64_t peek() const { return next_; }
  // A moved stage's numbers continue from its snapshot (persisted).
  void continue_from(uint64_t next);

 private:
  void persist();
  std::string path_;
  int fd_ = -1;  // kept open: one pwrite per message, not open + pwrite + close
  uint64_t next_ = 0;
};

// What the module's host calls reach besides the devices: emit, clocks,
// random, log. Emit goes back to the agent.
class StageServices final : public host::HostDevices {
 public:
  using EmitFn = std::function<int32_t(std::string_view port, std::string_view values)>;
  StageServices(std::string node, EmitFn emit, Clock::time_point epoch);
  int32_t sensor_read(std::string_view, double*) override;
  int32_t actuator_set(std::string_view, double) override;
  int32_t serial_read(std::string_view, uint8_t*, uint32_t) override;
  int32_t serial_write(std::string_view, const uint8_t*, uint32_t) override;
  int32_t emit(std::string_view port, const uint8_t* payload, uint32_t len) override;
  int64_t monotonic_us() override;
  int64_t wall_ms() override;
  void random_bytes(uint8_t* buf, uint32_t len) override;
  void log(int32_t level, std::string_view stage, std::string_view message) override;

  // The host reports every trap and out-of-fuel through log(); once the
  // supervisor has logged a kind for this stage, these repeats are dropped
  // (they stay counted in the heartbeat).
  bool mute_traps = false;
  bool mute_out_of_fuel = false;

 private:
  // At most kMaxLinesPerSecond lines per stage and second reach the node's
  // log, so a module (or a storm of refused calls) cannot flood it.
  static constexpr int kMaxLinesPerSecond = 20;
  int64_t window_s_ = -1;
  int lines_in_window_ = 0;
  uint64_t suppressed_ = 0;
  std::string node_;
  EmitFn emit_;
  Clock::time_point epoch_;
  std::mt19937_64 random_{std::random_device{}()};
};

// A stage's KV state outside its instance: carried across restarts of the
// stage and, in <data_dir>/kv/<stage>, across restarts of the node.
using KvSnapshot = std::map<std::string, std::vector<uint8_t>, std::less<>>;
bool read_kv_file(const std::string& path, KvSnapshot* out);
bool write_kv_file(const std::string& path, const KvSnapshot& kv);

struct StageSlot {
  StageSlot(const StageSettings& s, std::string seq_path, StageServices::EmitFn emit,
            Clock::time_point epoch, std::string node)
      : settings(s), seq(std::move(seq_path)), services(std::move(node), std::move(emit), epoch),
        routes(services), module(s.module) {}

  const StageSettings& settings;
  SeqCounter seq;
  StageServices services;
  devices::DeviceHostDevices routes;
  std::string module;  // the module path now in use (settings.module until stage.update)
  // The signed name and version of the module in use, once a verified
  // stage.update installed it (before that: read from the module file).
  std::optional<ota::SignedManifest> manifest;
  std::unique_ptr<host::StageRuntime> runtime;  // null while waiting to restart

  // A new version on probation after stage.update (docs/ota.md, "Hot swap"):
  // the old one is kept, not run, until the new one handled enough messages
  // or the window passed; a trap or out-of-fuel before that brings it back.
  struct Probation {
    std::unique_ptr<host::StageRuntime> previous;
    std::string previous_module;
    std::optional<ota::SignedManifest> previous_manifest;
    uint64_t messages_left = 0;
    Clock::time_point until{};
    // The new version's copy in <data_dir>/modules (ModuleStore): named as
    // the stage's current version once the probation ends (sha256 empty: a
    // native build, run from its own path and not kept).
    StoredModule stored;
    std::string transfer;  // the OTA transfer that brought it; empty for stage.update
    std::string label;     // what the status reports name it by (path or transfer)
  };
  std::optional<Probation> probation;
  bool rolled_back = false;  // set by the rollback, read by the delivery that caused it

  std::deque<Delivery> queue;  // guarded by the agent's queue mutex
  StageStats stats;
  RateWindow in_rate, out_rate;  // deliveries, emits; guarded like stats
  // Set while the stage handles a delivery: what its emits inherit.
  std::optional<Lineage> handling;
  bool stopped = false;  // by the stage.stop command: not loaded, not restarted
  uint64_t carried_fuel = 0;
  KvSnapshot kv;  // state of the last instance (restored into the next one)
  host::StageCounters carried;  // counters of earlier instances (restarts reset the host's)
  Clock::time_point next_tick{};
  Clock::time_point restart_at{};
  Clock::time_point up_since{};
  std::chrono::milliseconds backoff{0};
  uint32_t logged_kinds = 0;  // bit per failure kind already logged

  // Live migration (docs/migration.md). kHere: runs on this node; kAdopting:
  // being moved here (loaded, inputs subscribed and queued, not run until the
  // snapshot arrives); kMovedAway: runs elsewhere (inputs dropped, not run,
  // not restarted). The loop thread only runs kHere slots.
  enum class Placement : uint8_t { kHere, kAdopting, kMovedAway };
  Placement placement = Placement::kHere;
  std::string publisher;  // the node id its outputs are published under (stable across moves)
  std::string moved_to;   // kMovedAway: where it went
  // Per upstream publisher ("node/stage"), the seq of the last input handled.
  std::map<std::string, uint64_t, std::less<>> last_handled;
};

}  // namespace continuum::node::agent
