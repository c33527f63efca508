// GET /metrics: the Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): one
// "# HELP" and one "# TYPE" line per family, then its samples
// `name{label="value",...} value`, label values escaped (\\, \", \n), every
// line ending in \n.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "continuum/node/fleet.h"
#include "continuum/node/ingest.h"

namespace continuum::adapters::http {

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// Collects samples by family (a family's samples must be contiguous) and
// renders them.
class MetricsWriter {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;
  // `name` is the family name; for counters it should end in _total.
  void family(const std::string& name, const std::string& type, const std::string& help);
  void sample(const std::string& family, const std::string& suffix, const Labels& labels, double value);
  std::string text() const;

  static std::string metric_name(const std::string& raw);  // invalid characters -> '_'
  static std::string escape_label(const std::string& value);
  static std::string format_value(double value);  // NaN, +Inf, -Inf as Prometheus spells them

 private:
  struct Family {
    std::string type, help;
    std::vector<std::string> lines;
  };
  std::vector<std::string> order_;
  std::map<std::string, Family> families_;
};

struct MetricsInput {
  std::optional<node::IngestCounters> ingest;
  std::optional<node::IngestLatency> latency;
  std::vector<node::NodeView> nodes;
  node::FleetCounters fleet;
  std::size_t stream_clients = 0;
  uint64_t stream_dropped = 0;
};

std::string render_metrics(const MetricsInput& input);

}  // namespace continuum::adapters::http
