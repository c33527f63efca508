// The node agent: hosts the stages of one node (engine + host interface),
// wires their ports in-process and over MQTT, supervises them, keeps the
// durable outbox, publishes presence and heartbeats, and (when configured)
// ingests readings into storage. One program for every tier.
//
// Threads: one event loop thread runs every stage (deliveries and ticks, one
// at a time, so stages need no locking); libmosquitto's network thread only
// enqueues received messages and handles acks.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "continuum/node/agent/config.h"

namespace continuum::node::agent {

// Counters of one stage, as the heartbeat reports them.
struct StageStats {
  std::string name;
  std::string state;  // "running", "backoff" (waiting to restart), "stopped" (by command),
                      // "adopting" (being moved here), "moved" (runs on moved_to now)
  std::string moved_to;   // state "moved": the node it was moved to
  std::string publisher;  // the node id its outputs are published under (docs/migration.md)
  uint64_t delivered = 0;   // messages handed to the module
  uint64_t emitted = 0;     // messages the module emitted
  double in_per_s = 0, out_per_s = 0;  // delivered / emitted per second over the last window_s
  uint64_t ticks = 0;
  uint64_t dropped = 0;     // input queue overflow (oldest dropped)
  std::size_t queue_depth = 0;
  uint64_t traps = 0, out_of_fuel = 0, refusal_storms = 0, handler_errors = 0, refused = 0;
  uint64_t restarts = 0;
  uint64_t rollbacks = 0;   // updates (stage.update) undone by a failure on probation
  uint64_t fuel_used = 0;   // wasm instructions run, all instances
  int64_t backoff_ms = 0;   // current restart delay
  // The wiring as configured, for the cloud's graph (docs/protocol.md
  // "Heartbeat"): input port -> sources, grants, output ports to MQTT ("*": all).
  std::map<std::string, std::vector<std::string>> inputs;
  std::vector<std::string> grants, publish;
  std::string module_version;  // the running module's signed version; empty when unsigned
  std::string module_name;     // its signed name; empty when unsigned
  std::string module_sha256;   // hex SHA-256 of the running .wasm file (empty for a native build)
  std::string last_rollback;   // why the last rollback happened (automatic or explicit); empty: none
};

struct AgentStats {
  std::vector<StageStats> stages;
  std::size_t outbox_depth = 0;
  uint64_t outbox_overflow = 0;
  uint64_t published = 0;  // envelopes handed to the outbox
  double published_per_s = 0;  // over the last window_s
  int window_s = 0;            // the window of the *_per_s rates, seconds
  bool connected = false;
  uint64_t ingest_stored = 0, ingest_duplicates = 0, ingest_rejected = 0;
  // Received over MQTT and dropped before any stage or ingest saw them.
  uint64_t bad_input_oversized = 0, bad_input_malformed = 0, bad_input_bad_batches = 0;
  uint64_t batches_sent = 0;  // outbox messages that carried several envelopes (docs/protocol.md, "Batches")
};

class Agent {
 public:
  // Opens the outbox and storage, loads the modules and runs ctm_init.
  // nullptr and *error when something the config names cannot be used.
  static std::unique_ptr<Agent> start(NodeConfig config, std::string* error);
  ~Agent();  // stop()
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Clean shutdown: stops ticks, drains the in-process queues, flushes the
  // outbox (bounded by shutdown_timeout), disconnects so the broker publishes
  // the retained "offline", joins the threads. Idempotent.
  void stop();

  AgentStats stats();
  const NodeConfig& config() const;

  class Impl;

 private:
  explicit Agent(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace continuum::node::agent
