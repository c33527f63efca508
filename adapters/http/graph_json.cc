#include "graph_json.h"

#include <map>
#include <set>

namespace continuum::adapters::http {

using nlohmann::json;

namespace {

std::string stage_id(const std::string& machine, const std::string& stage) { return machine + "/stage/" + stage; }

double counter(const node::StageView& s, const char* name) {
  auto it = s.counters.find(name);
  return it == s.counters.end() ? 0.0 : it->second;
}

double rate(const node::StageView& s, const char* name) {
  auto it = s.rates.find(name);
  return it == s.rates.end() ? 0.0 : it->second;
}

// A configured source: "stage.port" (same node) or "node/stage/port".
struct Source {
  std::string machine, stage, port;
  bool remote = false;
};

std::optional<Source> parse_source(const std::string& text, const std::string& own_machine) {
  Source s;
  const std::size_t first = text.find('/');
  if (first != std::string::npos) {
    const std::size_t second = text.find('/', first + 1);
    if (second == std::string::npos) return std::nullopt;
    s.machine = text.substr(0, first);
    s.stage = text.substr(first + 1, second - first - 1);
    s.port = text.substr(second + 1);
    s.remote = true;
  } else {
    const std::size_t dot = text.find('.');
    if (dot == std::string::npos) return std::nullopt;
    s.machine = own_machine;
    s.stage = text.substr(0, dot);
    s.port = text.substr(dot + 1);
  }
  if (s.machine.empty() || s.stage.empty() || s.port.empty()) return std::nullopt;
  return s;
}

// A grant naming a device: "sensor:soil-1" -> (sensor, soil-1).
std::optional<std::pair<std::string, std::string>> device_of(const std::string& grant) {
  const std::size_t colon = grant.find(':');
  if (colon == std::string::npos) return std::nullopt;
  const std::string kind = grant.substr(0, colon), name = grant.substr(colon + 1);
  if (name.empty() || name == "*") return std::nullopt;
  if (kind == "sensor" || kind == "actuator") return std::make_pair(kind, name);
  if (kind == "serial") return std::make_pair(std::string("device"), name);
  return std::nullopt;
}

}  // namespace

std::string stage_health(const node::NodeView& machine, const node::StageView& stage) {
  if (machine.state == "offline") return "offline";
  if (stage.state != "running") return "error";
  if (counter(stage, "traps") > 0 || counter(stage, "restarts") > 0 || counter(stage, "refusal_storms") > 0 ||
      counter(stage, "out_of_fuel") > 0)
    return "warning";
  return "ok";
}

json graph_json(const std::vector<node::NodeView>& nodes) {
  json machines = json::array(), vertices = json::array(), edges = json::array();
  std::set<std::string> vertex_ids, machine_ids;
  std::map<std::string, std::pair<double, std::string>> stage_rate;  // stage id -> (out_per_s, health)
  std::vector<std::string> sinks;

  auto add_vertex = [&](json v) {
    const std::string id = v["id"];
    if (vertex_ids.insert(id).second) vertices.push_back(std::move(v));
  };
  for (const node::NodeView& n : nodes) {
    machine_ids.insert(n.id);
    machines.push_back({{"id", n.id}, {"tier", n.tier}, {"state", n.state}});
    for (const node::StageView& s : n.stages) {
      const std::string health = stage_health(n, s);
      const std::string id = stage_id(n.id, s.name);
      stage_rate[id] = {rate(s, "out_per_s"), health};
      add_vertex({{"id", id},
                  {"kind", "stage"},
                  {"machine", n.id},
                  {"label", s.name},
                  {"stage", s.name},
                  {"state", s.state},
                  {"health", health},
                  {"module_version", s.module_version},
                  {"in_per_s", rate(s, "in_per_s")},
                  {"out_per_s", rate(s, "out_per_s")},
                  {"traps", counter(s, "traps")},
                  {"restarts", counter(s, "restarts")}});
    }
    if (n.ingest) {
      const std::string id = n.id + "/sink/ingest";
      sinks.push_back(id);
      add_vertex({{"id", id}, {"kind", "sink"}, {"machine", n.id}, {"label", "ingest"}});
    }
  }
  auto rate_of = [&](const std::string& id) -> std::pair<double, std::string> {
    auto it = stage_rate.find(id);
    return it == stage_rate.end() ? std::make_pair(0.0, std::string("offline")) : it->second;
  };
  for (const node::NodeView& n : nodes) {
    for (const node::StageView& s : n.stages) {
      const std::string target = stage_id(n.id, s.name);
      const auto [out_rate, health] = rate_of(target);
      for (const std::string& grant : s.grants) {
        std::optional<std::pair<std::string, std::string>> device = device_of(grant);
        if (!device) continue;
        const std::string id = n.id + "/" + device->first + "/" + device->second;
        add_vertex({{"id", id}, {"kind", device->first}, {"machine", n.id}, {"label", device->second}});
        // Sensors feed the stage, actuators are driven by it, a serial
        // line goes both ways (drawn as device -> stage).
        const bool to_device = device->first == "actuator";
        const std::string from = to_device ? target : id, to = to_device ? id : target;
        edges.push_back({{"id", from + "->" + to}, {"source", from}, {"target", to}, {"kind", "device"}});
      }
      for (const auto& [input, sources] : s.inputs) {
        for (const std::string& text : sources) {
          std::optional<Source> src = parse_source(text, n.id);
          if (!src) continue;
          const std::string from = stage_id(src->machine, src->stage);
          if (!vertex_ids.count(from)) {
            // Wired to a stage no heartbeat told about (yet): still drawn.
            add_vertex({{"id", from}, {"kind", "stage"}, {"machine", src->machine}, {"label", src->stage},
                        {"stage", src->stage}, {"state", "unknown"}, {"health", "offline"}});
            if (machine_ids.insert(src->machine).second)
              machines.push_back({{"id", src->machine}, {"tier", ""}, {"state", "unknown"}});
          }
          const auto [src_rate, src_health] = rate_of(from);
          edges.push_back({{"id", from + ":" + src->port + "->" + target + ":" + input},
                           {"source", from},
                           {"target", target},
                           {"kind", "route"},
                           {"port", src->port},
                           {"input", input},
                           {"remote", src->remote},
                           {"rate_per_s", src_rate},
                           {"health", src_health}});
        }
      }
      if (!s.publish.empty())
        for (const std::string& sink : sinks)
          edges.push_back({{"id", target + "->" + sink}, {"source", target}, {"target", sink}, {"kind", "ingest"},
                           {"rate_per_s", out_rate}, {"health", health}});
    }
  }
  return {{"machines", machines}, {"nodes", vertices}, {"edges", edges}};
}

}  // namespace continuum::adapters::http
