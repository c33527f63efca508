// The rule behind load-based moves ([placement] load_threshold, load_window,
// cooldown, load_margin; docs/migration.md "Placement: a node stays busy"):
// pure logic fed with the fleet's heartbeats and the caller's clock, no bus,
// no thread. PlacementService feeds it and carries its decisions out.
//
// The measure is a node's cpu_percent (its agent process, percent of one
// core over the last heartbeat interval): it is what a busy node runs out
// of, every node reports it the same way whatever its engine tier, and it
// counts what a stage really costs there (host calls, MQTT, queues), which
// fuel alone does not. A stage's share of it is the node's cpu_percent split
// by the stages' fuel used since the previous heartbeat (by messages handled
// when no stage reports fuel, e.g. native builds).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "continuum/node/fleet.h"
#include "placement_policy.h"  // the one rule for choosing nodes

namespace continuum::node::agent {

struct LoadSettings {
  double threshold_percent = 0;  // 0: no load-based moves
  std::chrono::milliseconds window{30000};     // how long a node must stay above the threshold
  std::chrono::milliseconds cooldown{300000};  // a moved stage is not moved again before this
  double margin_percent = 10;  // a target's load + the stage's share must stay this far under the threshold
};

// One move the rule asks for.
struct LoadMove {
  std::string stage, from, to;
  double from_percent = 0;   // the source's load
  double share_percent = 0;  // the stage's estimated share of it
  double to_percent = 0;     // the target's load before the move
};

class LoadBalancer {
 public:
  explicit LoadBalancer(LoadSettings settings) : settings_(settings) {}
  bool enabled() const { return settings_.threshold_percent > 0; }
  const LoadSettings& settings() const { return settings_; }

  // A heartbeat of NODE as the fleet model now has it, received at NOW_MS.
  void observe(const NodeView& node, int64_t now_ms);
  // The node went offline: its window starts again when it comes back.
  void forget(const std::string& node);

  // Whether NODE has stayed above the threshold for the whole window.
  bool sustained(const std::string& node, int64_t now_ms) const;

  // For a node whose load is sustained: its movable stage with the largest
  // share (device-bound ones, those cooling down and those not running are
  // skipped) and the best node of FLEET for it by the placement rule
  // (rank_nodes: online, not running a stage of that name, its tier first,
  // SELF last, most free memory, lowest CPU) among those whose load + share
  // stays at or under threshold - margin. nullopt and *why when none.
  std::optional<LoadMove> decide(const std::string& node, const std::vector<NodeView>& fleet,
                                 const std::string& self, int64_t now_ms, std::string* why) const;

  // A move of STAGE off FROM was tried (done or refused): the stage cools
  // down, and FROM's window starts again (its load must be measured anew).
  void moved(const std::string& stage, const std::string& from, int64_t now_ms);
  // NODE's window starts again (nothing could move: ask again a window later).
  void restart_window(const std::string& node);

  // STAGE's estimated share of NODE's cpu_percent (0 when unknown).
  double share(const std::string& node, const std::string& stage) const;

 private:
  struct NodeLoad {
    std::optional<int64_t> above_since_ms;      // first heartbeat of the current run above the threshold
    std::map<std::string, double> last_fuel;    // per stage, fuel_used at the previous heartbeat
    std::map<std::string, double> last_delivered;
    std::map<std::string, double> shares;       // per stage, percent of one core
  };
  LoadSettings settings_;
  std::map<std::string, NodeLoad> nodes_;
  std::map<std::string, int64_t> moved_at_ms_;  // stage -> when it was last moved (or tried)
};

}  // namespace continuum::node::agent
