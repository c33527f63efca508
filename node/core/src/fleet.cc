#include "continuum/node/fleet.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "continuum/node/topics.h"

namespace continuum::node {

using nlohmann::json;

namespace {

// Members are read only when they have the expected type: a node running a
// newer or older agent may send more, fewer or differently typed fields.
std::optional<double> number(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::optional<std::string> text(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

void set_if(std::optional<double>& field, std::optional<double> value) {
  if (value) field = value;
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::string> texts(const json& object, const char* key) {
  std::vector<std::string> out;
  auto it = object.find(key);
  if (it == object.end() || !it->is_array()) return out;
  for (const json& v : *it)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

StageView read_stage(const std::string& name, const json& object) {
  StageView stage;
  stage.name = name;
  stage.state = text(object, "state").value_or("");
  stage.moved_to = text(object, "moved_to").value_or("");
  stage.module_name = text(object, "module_name").value_or("");
  stage.module_version = text(object, "module_version").value_or("");
  stage.module_sha256 = text(object, "module_sha256").value_or("");
  stage.grants = texts(object, "grants");
  stage.publish = texts(object, "publish");
  if (auto inputs = object.find("inputs"); inputs != object.end() && inputs->is_object())
    for (const auto& [port, sources] : inputs->items()) {
      if (sources.is_string()) stage.inputs[port].push_back(sources.get<std::string>());
      else stage.inputs[port] = texts(*inputs, port.c_str());
    }
  for (const auto& [key, value] : object.items()) {
    if (!value.is_number()) continue;
    if (ends_with(key, "_per_s")) stage.rates[key] = value.get<double>();
    else stage.counters[key] = value.get<double>();
  }
  return stage;
}

// Stages come as an object keyed by name ("stage_stats", the current agent)
// or as an array of objects with a "name" (either under "stages").
std::optional<std::vector<StageView>> read_stages(const json& hb) {
  for (const char* key : {"stage_stats", "stages"}) {
    auto it = hb.find(key);
    if (it == hb.end()) continue;
    std::vector<StageView> stages;
    if (it->is_object()) {
      for (const auto& [name, value] : it->items())
        if (value.is_object()) stages.push_back(read_stage(name, value));
    } else if (it->is_array()) {
      for (const json& value : *it) {
        std::optional<std::string> name = value.is_object() ? text(value, "name") : std::nullopt;
        if (name) stages.push_back(read_stage(*name, value));
      }
    } else {
      continue;  // "stages": 3 (a count) in older heartbeats
    }
    std::sort(stages.begin(), stages.end(), [](const StageView& a, const StageView& b) { return a.name < b.name; });
    return stages;
  }
  return std::nullopt;
}

// "ctm/v1/<node>/<leaf>" -> <node>, when leaf matches.
std::optional<std::string> node_of(std::string_view topic, std::string_view leaf) {
  const std::string prefix = std::string(topics::kRoot) + "/";
  if (topic.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string_view rest = topic.substr(prefix.size());
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0 || rest.substr(slash + 1) != leaf) return std::nullopt;
  return std::string(rest.substr(0, slash));
}

}  // namespace

FleetUpdate FleetModel::handle(std::string_view topic, std::string_view payload, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  std::optional<std::string> id = node_of(topic, "status");
  const bool is_status = id.has_value();
  if (!id) id = node_of(topic, "hb");
  if (!id || payload.empty()) {
    ++counters_.ignored;
    return {};
  }
  // Parse before touching the map, so garbage never creates a node.
  auto existing = nodes_.find(*id);
  NodeView node = existing != nodes_.end() ? existing->second : NodeView{};
  node.id = *id;
  FleetUpdate update = is_status ? apply_status(node, payload, now_ms) : apply_heartbeat(node, payload, now_ms);
  if (update.kind == FleetUpdate::Kind::kNone) {
    ++counters_.malformed;
    return update;
  }
  update.node = *id;
  nodes_[*id] = std::move(node);
  return update;
}

FleetUpdate FleetModel::apply_status(NodeView& node, std::string_view payload, int64_t now_ms) {
  json doc = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return {};
  std::optional<std::string> state = text(doc, "state");
  if (!state || (*state != "online" && *state != "offline")) return {};
  FleetUpdate update;
  update.kind = FleetUpdate::Kind::kStatus;
  update.state_changed = node.state != *state;
  if (update.state_changed) node.state_since_ms = now_ms;
  node.state = *state;
  node.last_seen_ms = now_ms;
  if (std::optional<std::string> tier = text(doc, "tier")) node.tier = *tier;
  ++counters_.statuses;
  return update;
}

FleetUpdate FleetModel::apply_heartbeat(NodeView& node, std::string_view payload, int64_t now_ms) {
  json hb = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!hb.is_object()) return {};
  FleetUpdate update;
  update.kind = FleetUpdate::Kind::kHeartbeat;
  // A heartbeat proves the node is up only while nothing else is known: the
  // retained status is the authority (a late heartbeat may follow the Will).
  if (node.state == "unknown") {
    node.state = "online";
    node.state_since_ms = now_ms;
    update.state_changed = true;
  }
  node.last_seen_ms = now_ms;
  ++node.heartbeats;
  if (std::optional<double> ts = number(hb, "ts")) node.heartbeat_ts_ms = static_cast<int64_t>(*ts);
  if (std::optional<std::string> tier = text(hb, "tier")) node.tier = *tier;
  if (std::optional<std::string> engine = text(hb, "engine")) node.engine = *engine;
  if (std::optional<std::string> version = text(hb, "version")) node.version = *version;
  set_if(node.uptime_s, number(hb, "uptime_s"));
  set_if(node.cpu_percent, number(hb, "cpu_percent"));
  set_if(node.rss_kb, number(hb, "rss_kb"));
  if (auto process = hb.find("process"); process != hb.end() && process->is_object()) {
    set_if(node.cpu_s, number(*process, "cpu_s"));
    set_if(node.cpu_percent, number(*process, "cpu_percent"));
    if (!number(hb, "rss_kb")) {
      set_if(node.rss_kb, number(*process, "max_rss_kb"));
      set_if(node.rss_kb, number(*process, "rss_kb"));
    }
  }
  if (auto outbox = hb.find("outbox"); outbox != hb.end() && outbox->is_object()) {
    set_if(node.outbox_depth, number(*outbox, "depth"));
    set_if(node.outbox_overflow, number(*outbox, "overflow"));
  }
  if (auto load = hb.find("load"); load != hb.end() && load->is_object()) {
    set_if(node.load1, number(*load, "1m"));
    set_if(node.mem_total_kb, number(*load, "mem_total_kb"));
    set_if(node.mem_available_kb, number(*load, "mem_available_kb"));
  }
  if (std::optional<std::vector<StageView>> stages = read_stages(hb)) node.stages = std::move(*stages);
  if (auto devices = hb.find("devices"); devices != hb.end() && devices->is_array()) node.devices = texts(hb, "devices");
  if (auto ingest = hb.find("ingest"); ingest != hb.end() && ingest->is_object()) node.ingest = true;
  ++counters_.heartbeats;
  return update;
}

std::vector<NodeView> FleetModel::nodes() const {
  std::lock_guard lock(mutex_);
  std::vector<NodeView> out;
  for (const auto& [id, node] : nodes_) out.push_back(node);
  return out;
}

std::optional<NodeView> FleetModel::node(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = nodes_.find(id);
  if (it == nodes_.end()) return std::nullopt;
  return it->second;
}

FleetCounters FleetModel::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

}  // namespace continuum::node
