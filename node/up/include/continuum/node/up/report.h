// What `continuum up` shows: the live one-screen summary while the deployment
// runs, and the final summary after shutdown (printed, and as JSON for
// scripts with --summary-json). Definitions in docs/deployment.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "continuum/node/up/deployment.h"
#include "continuum/node/up/monitor.h"
#include "continuum/node/up/simulators.h"

namespace continuum::node::up {

struct LiveState {
  std::string deployment;
  double elapsed_s = 0;
  std::string broker;        // host:port
  bool broker_up = true;
  std::string api_url;       // "" until a node announced one
  std::string dashboard;     // "URL (sign in as admin; password in PATH)", "" until announced
  std::vector<std::string> node_ids;  // in start order
  std::map<std::string, NodeFigures> nodes;
  Percentiles latency;       // end to end, last 10 s
  uint64_t rows_stored = 0;
  std::vector<SoilSnapshot> soil;
  std::vector<RobotSnapshot> robots;
  std::string note;          // e.g. "broker outage until 13 s"
};

// The whole screen (terminal) or one compact line (log, pipe).
std::string render_live_screen(const LiveState& s);
std::string render_live_line(const LiveState& s);

struct StageResult {
  std::string node, stage;
  StageFigures last_heartbeat;
  bool heard = false;
  bool all_published = false;  // every output port goes to MQTT: lost/twice are checked
  uint64_t emitted = 0;        // seqs the node gave out (<data_dir>/seq/<stage>)
  uint64_t rows = 0, distinct = 0;
  uint64_t lost = 0, stored_twice = 0;
};

struct FinalSummary {
  std::string deployment, run_dir;
  double duration_s = 0;
  bool ok = true;
  std::vector<std::string> problems;
  std::map<std::string, int> node_exit;  // id -> exit status
  std::vector<StageResult> stages;
  uint64_t rows_total = 0, lost = 0, stored_twice = 0;
  Percentiles end_to_end;
  std::map<std::string, Percentiles> hops;
  std::vector<SoilSnapshot> soil;
  std::vector<RobotSnapshot> robots;
  std::vector<std::string> broker_outages;  // "stopped at 8.0 s, started at 13.0 s"
};

// Stage results from the generated node configs, the last heartbeats, the
// seq files and the store.
std::vector<StageResult> collect_stage_results(const Deployment& d, const std::map<std::string, NodeFigures>& hb,
                                               StoreReader& store);
std::string summary_json(const FinalSummary& s);
std::string summary_text(const FinalSummary& s);

}  // namespace continuum::node::up
