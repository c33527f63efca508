#include "continuum/node/up/report.h"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace continuum::node::up {
namespace {

std::string format(const char* fmt, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

std::string latency_text(const Percentiles& p) {
  if (p.count == 0) return "no readings yet";
  return format("p50 %.0f ms  p95 %.0f ms  p99 %.0f ms  (%llu readings)", p.p50, p.p95, p.p99,
                (unsigned long long)p.count);
}

nlohmann::json percentiles_json(const Percentiles& p) {
  return {{"count", p.count}, {"p50_ms", p.p50}, {"p95_ms", p.p95}, {"p99_ms", p.p99}, {"max_ms", p.max}};
}

int online_count(const LiveState& s) {
  int n = 0;
  for (const std::string& id : s.node_ids) {
    auto it = s.nodes.find(id);
    if (it != s.nodes.end() && it->second.online) ++n;
  }
  return n;
}

}  // namespace

std::string render_live_screen(const LiveState& s) {
  std::string out;
  out += format("continuum up: %s   %.0f s   broker %s%s\n", s.deployment.c_str(), s.elapsed_s, s.broker.c_str(),
                s.broker_up ? "" : " (DOWN)");
  if (!s.api_url.empty()) out += "API: " + s.api_url + "\n";
  if (!s.dashboard.empty()) out += "dashboard: " + s.dashboard + "\n";
  if (!s.note.empty()) out += s.note + "\n";
  out += "nodes:";
  for (const std::string& id : s.node_ids) {
    auto it = s.nodes.find(id);
    bool online = it != s.nodes.end() && it->second.online;
    out += " " + id + (online ? " up" : " DOWN");
  }
  out += "\n\n";
  out += format("%-28s %8s %8s %6s %8s %6s\n", "stage", "in/s", "out/s", "queue", "dropped", "traps");
  for (const std::string& id : s.node_ids) {
    auto it = s.nodes.find(id);
    if (it == s.nodes.end()) continue;
    for (const auto& [stage, f] : it->second.stages) {
      out += format("%-28s %8.1f %8.1f %6llu %8llu %6llu\n", (id + "/" + stage).c_str(), f.in_per_s, f.out_per_s,
                    (unsigned long long)f.queue, (unsigned long long)f.dropped, (unsigned long long)f.traps);
    }
  }
  out += "\nlatency end to end, last 10 s: " + latency_text(s.latency) + "\n";
  out += format("readings stored: %llu\n", (unsigned long long)s.rows_stored);
  for (const SoilSnapshot& soil : s.soil) {
    out += format("simulator %s (day %.2f):", soil.name.c_str(), soil.sim_time_s / 86400.0);
    for (size_t f = 0; f < soil.pump_on.size(); ++f)
      out += format("  field-%zu %.1f%% pump %s", f, soil.moisture_pct[f], soil.pump_on[f] ? "ON " : "off");
    out += format("   switchings %llu\n", (unsigned long long)soil.pump_switchings);
  }
  for (const RobotSnapshot& r : s.robots) {
    out += format("simulator %s: tip %.0f mm from the point (safety %.0f mm)  %s   stops %llu", r.name.c_str(),
                  r.tip_distance_mm, r.safety_mm, r.stopped ? "STOPPED" : "moving", (unsigned long long)r.stops);
    if (!r.reaction_ms.empty()) out += format(", last reaction %.1f ms", r.reaction_ms.back());
    out += "\n";
  }
  out += "\nCtrl-C stops everything.\n";
  return out;
}

std::string render_live_line(const LiveState& s) {
  double rate = 0;
  for (const auto& [id, n] : s.nodes)
    for (const auto& [stage, f] : n.stages) rate += f.out_per_s;
  std::string out = format("[%4.0f s] nodes %d/%zu up, %.1f msg/s out, %llu stored, latency p50/p95/p99 %.0f/%.0f/%.0f ms",
                           s.elapsed_s, online_count(s), s.node_ids.size(), rate, (unsigned long long)s.rows_stored,
                           s.latency.p50, s.latency.p95, s.latency.p99);
  for (const SoilSnapshot& soil : s.soil) {
    out += ", pumps ";
    for (bool on : soil.pump_on) out += on ? "1" : "0";
    out += format(" (%llu switchings)", (unsigned long long)soil.pump_switchings);
  }
  for (const RobotSnapshot& r : s.robots) {
    out += format(", robot %.0f mm%s, %llu stop(s)", r.tip_distance_mm, r.stopped ? " STOPPED" : "",
                  (unsigned long long)r.stops);
  }
  if (!s.broker_up) out += ", broker DOWN";
  return out;
}

std::vector<StageResult> collect_stage_results(const Deployment& d, const std::map<std::string, NodeFigures>& hb,
                                               StoreReader& store) {
  std::vector<StageResult> out;
  std::vector<SeriesCount> series = store.series();
  for (const NodeSection& n : d.nodes) {
    for (const agent::StageSettings& st : n.config.stages) {
      StageResult r;
      r.node = n.id;
      r.stage = st.name;
      if (auto it = hb.find(n.id); it != hb.end()) {
        if (auto s = it->second.stages.find(st.name); s != it->second.stages.end()) {
          r.last_heartbeat = s->second;
          r.heard = true;
        }
      }
      r.all_published = n.config.mqtt.enabled && st.publish_all;
      r.emitted = emitted_seq_count(n.config.data_dir, st.name);
      for (const SeriesCount& c : series) {
        if (c.node == n.id && c.stage == st.name) {
          r.rows = c.rows;
          r.distinct = c.distinct_seq;
        }
      }
      r.stored_twice = r.rows - r.distinct;
      // Every seq 0..emitted-1 must be in the store exactly once; a gap or a
      // missing tail is a lost reading.
      if (r.all_published) r.lost = r.emitted - std::min(r.emitted, store.distinct_seq_below(n.id, st.name, r.emitted));
      out.push_back(r);
    }
  }
  return out;
}

std::string summary_json(const FinalSummary& s) {
  nlohmann::json j;
  j["deployment"] = s.deployment;
  j["run_dir"] = s.run_dir;
  j["duration_s"] = s.duration_s;
  j["ok"] = s.ok;
  j["problems"] = s.problems;
  j["nodes"] = nlohmann::json::object();
  for (const auto& [id, status] : s.node_exit) j["nodes"][id] = {{"exit_status", status}};
  j["stages"] = nlohmann::json::object();
  for (const StageResult& r : s.stages) {
    nlohmann::json st = {{"in", r.last_heartbeat.delivered},   {"out", r.last_heartbeat.emitted},
                         {"dropped", r.last_heartbeat.dropped}, {"heartbeat_seen", r.heard},
                         {"emitted_seq", r.emitted},            {"rows_stored", r.rows},
                         {"stored_twice", r.stored_twice},      {"checked", r.all_published}};
    st["lost"] = r.all_published ? nlohmann::json(r.lost) : nlohmann::json(nullptr);
    j["stages"][r.node + "/" + r.stage] = st;
  }
  j["rows_stored"] = s.rows_total;
  j["readings_lost"] = s.lost;
  j["readings_stored_twice"] = s.stored_twice;
  j["latency_ms"] = {{"end_to_end", percentiles_json(s.end_to_end)}, {"hops", nlohmann::json::object()}};
  for (const auto& [leg, p] : s.hops) j["latency_ms"]["hops"][leg] = percentiles_json(p);
  uint64_t switchings = 0;
  j["fields"] = nlohmann::json::object();
  for (const SoilSnapshot& soil : s.soil) {
    switchings += soil.pump_switchings;
    j["fields"][soil.name] = {{"pump_switchings", soil.pump_switchings},
                              {"pump_on", soil.pump_on},
                              {"moisture_pct", soil.moisture_pct},
                              {"simulated_s", soil.sim_time_s}};
  }
  j["pump_switchings"] = switchings;
  uint64_t stops = 0;
  nlohmann::json reactions = nlohmann::json::array();
  j["robots"] = nlohmann::json::object();
  for (const RobotSnapshot& r : s.robots) {
    stops += r.stops;
    for (double ms : r.reaction_ms) reactions.push_back(ms);
    j["robots"][r.name] = {{"stops", r.stops},
                           {"reaction_ms", r.reaction_ms},
                           {"halted_at_end", r.stopped},
                           {"tip_distance_mm", r.tip_distance_mm},
                           {"cycles", r.cycles}};
  }
  j["robot_stops"] = stops;
  j["reaction_ms"] = reactions;
  j["broker_outages"] = s.broker_outages;
  return j.dump(2) + "\n";
}

std::string summary_text(const FinalSummary& s) {
  std::string out = format("\n== %s: %.1f s, run directory %s\n", s.deployment.c_str(), s.duration_s, s.run_dir.c_str());
  out += format("%-28s %8s %8s %8s %8s %6s %6s\n", "stage", "in", "out", "dropped", "stored", "lost", "twice");
  for (const StageResult& r : s.stages) {
    out += format("%-28s %8llu %8llu %8llu %8llu %6s %6llu\n", (r.node + "/" + r.stage).c_str(),
                  (unsigned long long)r.last_heartbeat.delivered, (unsigned long long)r.emitted,
                  (unsigned long long)r.last_heartbeat.dropped, (unsigned long long)r.rows,
                  r.all_published ? std::to_string(r.lost).c_str() : "-", (unsigned long long)r.stored_twice);
  }
  out += format("readings stored %llu, lost %llu, stored twice %llu\n", (unsigned long long)s.rows_total,
                (unsigned long long)s.lost, (unsigned long long)s.stored_twice);
  out += "latency end to end: " + latency_text(s.end_to_end) + "\n";
  for (const auto& [leg, p] : s.hops) out += "  " + leg + ": " + latency_text(p) + "\n";
  for (const SoilSnapshot& soil : s.soil)
    out += format("simulator %s: %llu pump switchings\n", soil.name.c_str(), (unsigned long long)soil.pump_switchings);
  for (const RobotSnapshot& r : s.robots) {
    out += format("simulator %s: %llu stop(s)", r.name.c_str(), (unsigned long long)r.stops);
    if (!r.reaction_ms.empty()) {
      out += ", reaction times";
      for (double ms : r.reaction_ms) out += format(" %.1f", ms);
      out += " ms";
    }
    out += "\n";
  }
  for (const std::string& o : s.broker_outages) out += "broker outage: " + o + "\n";
  for (const std::string& p : s.problems) out += "problem: " + p + "\n";
  return out;
}

}  // namespace continuum::node::up
