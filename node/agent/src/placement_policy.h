// The one placement rule (docs/migration.md "Placement"): which nodes may run
// a stage, best first, and for every node left out, why. Used for new stages
// (`continuum deploy --stage` of a stage no node runs: stage_placement.cc), for
// re-placing a dead node's stages and for load moves (placement_service.cc).
//
// Pure logic over the fleet view (FleetModel's NodeView, learnt from statuses
// and heartbeats): no bus, no clock, unit-tested on its own.
//
// A node is left out when it is offline (or unknown), sent no heartbeat yet, excluded by the caller,
// already runs a stage of that name, is not of a required tier, lacks a device
// one of the stage's grants names (`sensor:`, `actuator:`, `serial:`; the
// heartbeat's "devices"), has less free memory than the stage needs, or is
// busier than the caller's CPU ceiling. The others are ordered: a preferred
// tier first, then every other node before this (placing) node, then most
// room (free memory, in 64 MiB steps so that noise does not decide, then the
// lowest CPU use, then the lowest host load), then by id.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "continuum/node/fleet.h"

namespace continuum::node::agent {

struct StageNeeds {
  std::string stage;              // a node already running a stage of this name is left out
  std::string tier;               // empty: any tier
  bool tier_required = false;     // true: only that tier; false: that tier first
  std::vector<std::string> grants;  // the stage's grants; the device ones must be served by the node
  uint64_t memory_bytes = 0;      // free memory the node must have (0: none asked)
  std::vector<std::string> exclude;  // nodes not to consider (a dead or overloaded source)
  std::optional<double> max_cpu_percent;  // leave out nodes whose agent uses more (load moves)
};

struct LeftOut {
  std::string node;
  std::string reason;  // "offline", "wrong tier (fog; needs edge)", "lacks device sensor:soil-1", ...
};

struct PlacementRanking {
  std::vector<NodeView> candidates;  // best first
  std::vector<LeftOut> left_out;     // by node id

  // Why NODE is left out; nullopt when it is a candidate or not in the fleet.
  std::optional<std::string> reason_for(const std::string& node) const;
  // "edge-1: offline; fog-1: lacks device sensor:soil-1" (every left-out node).
  std::string reasons() const;
};

// Whether N's heartbeat lists a stage named STAGE that runs there (not moved
// away, not being adopted): such a node is left out, and it is where the
// stage runs now.
bool runs_stage(const NodeView& n, const std::string& stage);

// A grant that needs a device of the node running the stage ("sensor:soil-1",
// "actuator:valve", "serial:rs485", or "sensor:*": any device of that kind).
bool is_device_grant(const std::string& grant);

// The first device grant of GRANTS that DEVICES (the node's, as grants:
// "sensor:soil-1", ...) does not serve; "" when every one is served. "KIND:*"
// is served by any device of that kind.
std::string missing_device(const std::vector<std::string>& grants, const std::vector<std::string>& devices);

// SELF: the node that places (it hosts only when no other node can).
PlacementRanking rank_nodes(const std::vector<NodeView>& fleet, const StageNeeds& needs, const std::string& self);

}  // namespace continuum::node::agent
