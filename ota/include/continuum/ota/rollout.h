// A rollout: one deploy or rollback of a stage across nodes, as the cloud
// follows it (docs/ota.md, "Deploy and rollback across nodes"). The tracker
// turns every node's OTA status reports into per-node progress
// (downloading with chunks, verifying, installing, running, failed,
// rolled-back with the reason) that the HTTP API serves and streams, and
// that `continuum deploy` / `continuum rollback` show while they wait.
//
// Pure bookkeeping: who publishes offers and commands is the registry
// service's business (node/agent/src/registry_service.*). Thread-safe: status
// reports come on the bus thread, reads on the HTTP server's threads.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "continuum/ota/transfer_protocol.h"

namespace continuum::ota {

struct RolloutTarget {
  std::string node;
  // The transfer whose statuses are this node's progress: the offer's id and
  // attempt for a deploy; "stage.update:<stage>" (any attempt) for a rollback,
  // which the node runs as a stage.update (docs/ota.md, "Hot swap").
  std::string transfer;
  uint64_t attempt = 0;
  bool any_attempt = false;
  // "offered" / "requested" until the node reports, then the OtaState names.
  std::string state;
  uint32_t received = 0, chunks = 0;
  std::string reason;  // failed / rolled-back: why
  bool done = false;   // a final state (running, failed, rolled-back)
  // Every state reported, in order (downloading at most every tenth of the
  // chunks), so a client that polls sees each step even when a transfer is
  // faster than its polling. Bounded: kMaxSteps, the latest kept.
  struct Step {
    std::string state;
    uint32_t received = 0, chunks = 0;
    std::string reason;
  };
  std::vector<Step> steps;
  static constexpr std::size_t kMaxSteps = 64;
};

struct Rollout {
  std::string id;
  std::string kind;  // "deploy" or "rollback"
  std::string stage;
  std::string sha256, name, version;  // deploy: the module offered
  int64_t started_ms = 0;
  std::vector<RolloutTarget> targets;

  bool done() const;
  // Every target done and running.
  bool succeeded() const;
};

// The JSON the API serves ({"id","kind","stage",...,"targets":[...]}), and
// one target's progress event for the SSE stream (kind `rollout`).
std::string rollout_json(const Rollout& rollout);
std::string rollout_event_json(const Rollout& rollout, const RolloutTarget& target);

class RolloutTracker {
 public:
  // Called (outside the tracker's lock) for every change of a target.
  using Listener = std::function<void(const Rollout& rollout, const RolloutTarget& target)>;

  explicit RolloutTracker(std::size_t keep = 64) : keep_(keep) {}

  void set_listener(Listener listener);
  // Registers ROLLOUT (its id is assigned here, "<kind>-<n>") and returns it.
  Rollout begin(Rollout rollout);
  // A status NODE reported (bus thread): updates the targets it answers.
  void on_status(const std::string& node, const OtaStatus& status);
  // Ends NODE's part of rollout ID in STATE (a final one), e.g. failed when
  // its command was refused.
  void finish(const std::string& id, const std::string& node, OtaState state, const std::string& reason);
  // Sets what a target that has not reported yet is waiting for (e.g.
  // "requested" -> "installing" once its command was accepted).
  void note(const std::string& id, const std::string& node, const std::string& state);
  std::optional<Rollout> get(const std::string& id) const;
  std::vector<Rollout> recent() const;  // oldest first, at most `keep`

 private:
  void changed(const Rollout& rollout, const RolloutTarget& target);

  std::size_t keep_;
  mutable std::mutex mutex_;
  uint64_t next_ = 0;
  std::map<uint64_t, Rollout> rollouts_;  // by sequence number
  Listener listener_;
};

}  // namespace continuum::ota
