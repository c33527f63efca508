// The node's report: the heartbeat's JSON (docs/protocol.md, "Heartbeat"),
// also the result of the `stats` command. One builder, so both say the same.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "continuum/node/agent/agent.h"
#include "continuum/node/presence.h"
#include "process_usage.h"

namespace continuum::node::agent {

// The execution engine the stages run on, as the heartbeat names it.
inline constexpr const char* kEngineName = "continuum-interp";

struct ReportInputs {
  std::string node, tier;
  int64_t ts_ms = 0;
  double uptime_s = 0;
  AgentStats stats;
  std::optional<ProcessUsage> process;
  double cpu_percent = 0;  // of the process, over the last heartbeat period
  std::optional<SystemLoad> load;
  bool ingest = false;     // the node ingests: report its counters
  nlohmann::json commands;  // the command counters, or null
  std::vector<std::string> devices;  // what [[devices]] serve, as grants (device_grants_served)
};

nlohmann::json build_report(const ReportInputs& in);

}  // namespace continuum::node::agent
