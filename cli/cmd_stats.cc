// `continuum stats [--api URL] [--token T] [--json]`: end-to-end and per-hop latency
// percentiles and per-stage rates, read from a cloud node's HTTP API
// (/api/latency and /api/stages, docs/api.md).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "commands.h"
#include "api_client.h"
#include "exit_codes.h"

namespace continuum::cli {

namespace {

using nlohmann::json;

double number(const json& object, const char* key) {
  return object.is_object() && object.contains(key) && object[key].is_number() ? object[key].get<double>() : 0.0;
}

// Members read defensively: an older or newer API may differ.
json member(const json& object, const char* key) {
  return object.is_object() && object.contains(key) ? object[key] : json::object();
}

std::string text(const json& object, const char* key) {
  return object.is_object() && object.contains(key) && object[key].is_string() ? object[key].get<std::string>() : "";
}

std::string percentiles(const json& s) {
  char line[160];
  if (number(s, "count") == 0) return "n=0";
  std::snprintf(line, sizeof line, "n=%-7.0f p50 %8.1f ms  p95 %8.1f ms  p99 %8.1f ms  max %8.1f ms", number(s, "count"),
                number(s, "p50_ms"), number(s, "p95_ms"), number(s, "p99_ms"), number(s, "max_ms"));
  return line;
}

void print_text(const json& latency, const json& stages) {
  const double window = number(latency, "window_s");
  const json e2e = member(latency, "end_to_end");
  std::printf("end to end\n  since start  %s\n  last %4.0f s  %s\n", percentiles(member(e2e, "total")).c_str(),
              window, percentiles(member(e2e, "recent")).c_str());
  std::printf("hops\n");
  const json hops = member(latency, "hops");
  if (!hops.is_array() || hops.empty()) std::printf("  (none yet)\n");
  for (const json& hop : hops.is_array() ? hops : json::array()) {
    if (!hop.is_object()) continue;
    std::string leg = text(hop, "from") + " -> " + text(hop, "to");
    std::printf("  %-28s since start  %s\n  %-28s last %4.0f s  %s\n", leg.c_str(),
                percentiles(member(hop, "total")).c_str(), "", window,
                percentiles(member(hop, "recent")).c_str());
  }
  std::printf("stages\n");
  if (!stages.is_array() || stages.empty()) std::printf("  (none reported yet)\n");
  else std::printf("  %-32s %-9s %10s %10s\n", "node/stage", "state", "in/s", "out/s");
  for (const json& st : stages.is_array() ? stages : json::array()) {
    if (!st.is_object()) continue;
    std::string name = text(st, "node") + "/" + text(st, "name");
    const json rates = member(st, "rates");
    std::printf("  %-32s %-9s %10.2f %10.2f\n", name.c_str(), text(st, "state").c_str(),
                number(rates, "in_per_s"), number(rates, "out_per_s"));
  }
}

}  // namespace

Command add_stats_command(CLI::App& app) {
  struct Options {
    ApiOptions api;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* stats = app.add_subcommand("stats", "Latency percentiles and stage rates from a cloud node's HTTP API");
  add_api_options(*stats, options->api);
  stats->add_flag("--json", options->json, "Print {\"latency\": ..., \"stages\": ...} as JSON");
  return [options]() -> int {
    std::optional<ApiClient> api = ApiClient::open(options->api);
    if (!api) return kExitUsage;
    json latency = api->get("/api/latency");
    if (latency.is_null()) return kExitError;
    json stages = api->get("/api/stages");
    if (stages.is_null()) return kExitError;
    if (options->json) {
      std::printf("%s\n", json{{"latency", latency}, {"stages", stages}}.dump(2).c_str());
    } else {
      print_text(latency, stages);
    }
    return kExitOk;
  };
}

}  // namespace continuum::cli
