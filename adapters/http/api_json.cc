#include "api_json.h"

#include <cmath>

namespace continuum::adapters::http {

using nlohmann::json;

namespace {

// Heartbeat figures arrive as doubles; counts go out as integers again.
json number_json(double value) {
  if (std::floor(value) == value && std::fabs(value) < 9.0e15) return static_cast<int64_t>(value);
  return value;
}

json optional_number(const std::optional<double>& value) { return value ? number_json(*value) : json(nullptr); }

json numbers_json(const std::map<std::string, double>& values) {
  json out = json::object();
  for (const auto& [name, value] : values) out[name] = number_json(value);
  return out;
}

}  // namespace

std::string dump(const json& doc) { return doc.dump(-1, ' ', false, json::error_handler_t::replace); }

json stage_json(const node::StageView& stage) {
  json doc = {{"name", stage.name}, {"state", stage.state}, {"rates", numbers_json(stage.rates)}, {"counters", numbers_json(stage.counters)}};
  // The signed module and the wiring, when the node reports them (newer agents).
  if (!stage.module_name.empty() || !stage.module_version.empty() || !stage.module_sha256.empty())
    doc["module"] = {{"name", stage.module_name}, {"version", stage.module_version}, {"sha256", stage.module_sha256}};
  if (!stage.inputs.empty()) doc["inputs"] = stage.inputs;
  if (!stage.grants.empty()) doc["grants"] = stage.grants;
  if (!stage.publish.empty()) doc["publish"] = stage.publish;
  if (!stage.moved_to.empty()) doc["moved_to"] = stage.moved_to;
  return doc;
}

json node_json(const node::NodeView& node, int64_t now_ms) {
  json stages = json::array();
  for (const node::StageView& stage : node.stages) stages.push_back(stage_json(stage));
  return {{"id", node.id},
          {"tier", node.tier},
          {"state", node.state},
          {"online", node.state == "online"},
          {"state_since_ms", node.state_since_ms},
          {"last_seen_ms", node.last_seen_ms},
          {"last_seen_age_s", static_cast<double>(now_ms - node.last_seen_ms) / 1000.0},
          {"heartbeat_ts_ms", node.heartbeat_ts_ms},
          {"heartbeats", node.heartbeats},
          {"engine", node.engine},
          {"version", node.version},
          {"uptime_s", optional_number(node.uptime_s)},
          {"cpu_percent", optional_number(node.cpu_percent)},
          {"cpu_s", optional_number(node.cpu_s)},
          {"rss_kb", optional_number(node.rss_kb)},
          {"outbox", {{"depth", optional_number(node.outbox_depth)}, {"overflow", optional_number(node.outbox_overflow)}}},
          {"load", {{"1m", optional_number(node.load1)},
                    {"mem_total_kb", optional_number(node.mem_total_kb)},
                    {"mem_available_kb", optional_number(node.mem_available_kb)}}},
          {"stages", stages}};
}

json summary_json(const node::LatencySummary& s) {
  return {{"count", s.count},   {"min_ms", s.min_ms}, {"max_ms", s.max_ms}, {"mean_ms", s.mean_ms()},
          {"p50_ms", s.p50_ms}, {"p95_ms", s.p95_ms}, {"p99_ms", s.p99_ms}, {"negative", s.negative}};
}

json latency_json(const node::IngestLatency& latency) {
  json hops = json::array();
  for (const auto& [leg, value] : latency.hops) {
    const std::size_t arrow = leg.find("->");
    hops.push_back({{"leg", leg},
                    {"from", arrow == std::string::npos ? leg : leg.substr(0, arrow)},
                    {"to", arrow == std::string::npos ? "" : leg.substr(arrow + 2)},
                    {"total", summary_json(value.total)},
                    {"recent", summary_json(value.recent)}});
  }
  return {{"window_s", static_cast<double>(latency.window_ms) / 1000.0},
          {"end_to_end", {{"total", summary_json(latency.end_to_end.total)},
                          {"recent", summary_json(latency.end_to_end.recent)}}},
          {"hops", hops}};
}

json reading_json(const node::Reading& reading, int64_t received_ms) {
  json values = json::object();
  for (const auto& [name, value] : reading.values) values[name] = value;
  for (const auto& [name, value] : reading.text_values) values[name] = value;
  json hops = json::array();
  for (const node::Hop& hop : reading.hops) hops.push_back({{"node", hop.node}, {"ts", hop.ts_ms}});
  return {{"node", reading.node},       {"stage", reading.stage}, {"seq", reading.seq},
          {"ts", reading.ts_ms},        {"received_ms", received_ms}, {"values", values},
          {"hops", hops}};
}

}  // namespace continuum::adapters::http
