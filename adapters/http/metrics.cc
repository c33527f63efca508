#include "metrics.h"

#include <charconv>
#include <cmath>
#include <set>

namespace continuum::adapters::http {

namespace {

std::string escape_help(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// Stage members that are levels, not running totals.
const std::set<std::string> kStageGauges = {"queue", "queue_depth", "backoff_ms"};

}  // namespace

std::string MetricsWriter::metric_name(const std::string& raw) {
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                    (i > 0 && c >= '0' && c <= '9');
    out += ok ? c : '_';
  }
  return out.empty() ? "_" : out;
}

std::string MetricsWriter::escape_label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string MetricsWriter::format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : "NaN";
}

void MetricsWriter::family(const std::string& name, const std::string& type, const std::string& help) {
  if (families_.count(name)) return;
  order_.push_back(name);
  families_[name] = {type, help, {}};
}

void MetricsWriter::sample(const std::string& family, const std::string& suffix, const Labels& labels,
                           double value) {
  std::string line = family + suffix;
  if (!labels.empty()) {
    line += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (i) line += ',';
      line += labels[i].first + "=\"" + escape_label(labels[i].second) + '"';
    }
    line += '}';
  }
  line += ' ' + format_value(value) + '\n';
  families_[family].lines.push_back(std::move(line));
}

std::string MetricsWriter::text() const {
  std::string out;
  for (const std::string& name : order_) {
    const Family& f = families_.at(name);
    out += "# HELP " + name + ' ' + escape_help(f.help) + '\n';
    out += "# TYPE " + name + ' ' + f.type + '\n';
    for (const std::string& line : f.lines) out += line;
  }
  return out;
}

namespace {

void latency_summary(MetricsWriter& w, const std::string& family, const MetricsWriter::Labels& labels,
                     const node::LegLatency& leg) {
  // Quantiles over the recent window (NaN when it saw nothing), sum and count
  // since start: what Prometheus client libraries do for summaries.
  const std::pair<const char*, double> quantiles[] = {
      {"0.5", leg.recent.p50_ms}, {"0.95", leg.recent.p95_ms}, {"0.99", leg.recent.p99_ms}};
  for (const auto& [q, ms] : quantiles) {
    MetricsWriter::Labels with_q = labels;
    with_q.emplace_back("quantile", q);
    w.sample(family, "", with_q, leg.recent.count ? ms / 1000.0 : std::nan(""));
  }
  w.sample(family, "_sum", labels, leg.total.sum_ms / 1000.0);
  w.sample(family, "_count", labels, static_cast<double>(leg.total.count));
}

}  // namespace

std::string render_metrics(const MetricsInput& in) {
  MetricsWriter w;
  if (in.ingest) {
    const std::pair<const char*, std::pair<const char*, uint64_t>> counters[] = {
        {"continuum_readings_received_total", {"Data messages ingest received.", in.ingest->received}},
        {"continuum_readings_stored_total", {"Readings ingest stored (new ones).", in.ingest->stored}},
        {"continuum_readings_duplicates_total", {"Redelivered readings ingest recognised and skipped.", in.ingest->duplicates}},
        {"continuum_readings_rejected_total", {"Data messages that were not valid readings.", in.ingest->rejected}},
        {"continuum_readings_failed_total", {"Readings the store failed to write.", in.ingest->failed}},
    };
    for (const auto& [name, help_value] : counters) {
      w.family(name, "counter", help_value.first);
      w.sample(name, "", {}, static_cast<double>(help_value.second));
    }
  }
  if (in.latency) {
    const std::string e2e = "continuum_end_to_end_latency_seconds";
    w.family(e2e, "summary", "Origin timestamp to ingest, per stored reading.");
    latency_summary(w, e2e, {}, in.latency->end_to_end);
    const std::string hop = "continuum_hop_latency_seconds";
    w.family(hop, "summary", "One leg of a reading's path (origin, forwarders, ingest), per stored reading.");
    for (const auto& [leg, value] : in.latency->hops) {
      const std::size_t arrow = leg.find("->");
      std::string from = arrow == std::string::npos ? leg : leg.substr(0, arrow);
      std::string to = arrow == std::string::npos ? "" : leg.substr(arrow + 2);
      latency_summary(w, hop, {{"from", from}, {"to", to}}, value);
    }
  }
  w.family("continuum_node_online", "gauge", "1 while the node's retained status is online, else 0.");
  w.family("continuum_node_last_seen_seconds", "gauge", "When the cloud last heard from the node (Unix time).");
  w.family("continuum_node_heartbeats_total", "counter", "Heartbeats received from the node.");
  for (const node::NodeView& n : in.nodes) {
    MetricsWriter::Labels labels = {{"node", n.id}, {"tier", n.tier}};
    w.sample("continuum_node_online", "", labels, n.state == "online" ? 1 : 0);
    w.sample("continuum_node_last_seen_seconds", "", {{"node", n.id}}, static_cast<double>(n.last_seen_ms) / 1000.0);
    w.sample("continuum_node_heartbeats_total", "", {{"node", n.id}}, static_cast<double>(n.heartbeats));
    const std::tuple<const char*, const char*, const char*, std::optional<double>> optional_figures[] = {
        {"continuum_node_cpu_percent", "gauge", "CPU use of the node agent (percent of one core).", n.cpu_percent},
        {"continuum_node_cpu_seconds_total", "counter", "CPU time used by the node agent.", n.cpu_s},
        {"continuum_node_resident_memory_kilobytes", "gauge", "Resident memory of the node agent.", n.rss_kb},
        {"continuum_node_outbox_depth", "gauge", "Messages waiting in the node's outbox for the broker.", n.outbox_depth},
        {"continuum_node_outbox_overflow_total", "counter", "Messages the node's outbox lost or refused at its bound.", n.outbox_overflow},
    };
    for (const auto& [name, type, help, value] : optional_figures) {
      if (!value) continue;
      w.family(name, type, help);
      w.sample(name, "", {{"node", n.id}}, *value);
    }
    for (const node::StageView& s : n.stages) {
      MetricsWriter::Labels stage_labels = {{"node", n.id}, {"stage", s.name}};
      w.family("continuum_stage_running", "gauge", "1 while the stage runs, 0 while it waits to restart.");
      w.sample("continuum_stage_running", "", stage_labels, s.state == "running" ? 1 : 0);
      for (const auto& [key, value] : s.rates) {
        // in_per_s -> continuum_stage_in_per_second
        std::string base = key.substr(0, key.size() - 2) + "second";
        std::string name = "continuum_stage_" + MetricsWriter::metric_name(base);
        w.family(name, "gauge", "Stage rate '" + key + "' as the node measured it (per second).");
        w.sample(name, "", stage_labels, value);
      }
      for (const auto& [key, value] : s.counters) {
        const bool gauge = kStageGauges.count(key) > 0;
        std::string name = "continuum_stage_" + MetricsWriter::metric_name(key) + (gauge ? "" : "_total");
        w.family(name, gauge ? "gauge" : "counter", "Stage figure '" + key + "' from the node's heartbeat.");
        w.sample(name, "", stage_labels, value);
      }
    }
  }
  w.family("continuum_fleet_messages_malformed_total", "counter", "Status/heartbeat messages that could not be read.");
  w.sample("continuum_fleet_messages_malformed_total", "", {}, static_cast<double>(in.fleet.malformed));
  w.family("continuum_stream_clients", "gauge", "Clients connected to /api/stream.");
  w.sample("continuum_stream_clients", "", {}, static_cast<double>(in.stream_clients));
  w.family("continuum_stream_events_dropped_total", "counter", "Events dropped for slow /api/stream clients.");
  w.sample("continuum_stream_events_dropped_total", "", {}, static_cast<double>(in.stream_dropped));
  return w.text();
}

}  // namespace continuum::adapters::http
