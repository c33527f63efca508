// `continuum ls [--api URL] [--json]`: the nodes (tier, online, engine,
// version, CPU, memory) and the stages (node it runs on, module name +
// version + SHA-256 prefix, state, rates) as two tables, from the cloud's
// fleet view (GET /api/nodes; docs/api.md).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api_client.h"
#include "commands.h"
#include "exit_codes.h"

namespace continuum::cli {

namespace {

using nlohmann::json;

std::string text(const json& o, const char* key, const char* fallback = "-") {
  return o.is_object() && o.contains(key) && o[key].is_string() && !o[key].get<std::string>().empty()
             ? o[key].get<std::string>()
             : fallback;
}

std::string number(const json& o, const char* key, const char* format, double scale = 1.0) {
  if (!o.is_object() || !o.contains(key) || !o[key].is_number()) return "-";
  char out[32];
  std::snprintf(out, sizeof out, format, o[key].get<double>() * scale);
  return out;
}

// A table whose columns are as wide as their widest cell (docker ps style).
void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], row[i].size());
    }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 3, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

// A stage moved away is listed by the node it left too: "moved to NODE".
std::string state_text(const json& row) {
  std::string state = text(row, "state");
  if (state == "moved" && !text(row, "moved_to", "").empty()) state += " to " + text(row, "moved_to");
  return state;
}

// One row per stage of every node, flattened (also the --json shape).
json stage_rows(const json& nodes) {
  json out = json::array();
  for (const json& n : nodes) {
    for (const json& s : n.value("stages", json::array())) {
      const json module = s.value("module", json::object());
      const json rates = s.value("rates", json::object());
      out.push_back({{"stage", s.value("name", std::string())},
                     {"node", n.value("id", std::string())},
                     {"module", text(module, "name", "")},
                     {"version", text(module, "version", "")},
                     {"sha256", text(module, "sha256", "")},
                     {"state", s.value("state", std::string())},
                     {"moved_to", text(s, "moved_to", "")},
                     {"in_per_s", rates.value("in_per_s", 0.0)},
                     {"out_per_s", rates.value("out_per_s", 0.0)}});
    }
  }
  return out;
}

}  // namespace

Command add_ls_command(CLI::App& app) {
  struct Options {
    ApiOptions api;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("ls", "Nodes and stages: where each stage runs, which module version, state, rate");
  add_api_options(*cmd, o->api);
  cmd->add_flag("--json", o->json, "Print {\"nodes\": [...], \"stages\": [...]} as JSON");
  return [o]() -> int {
    std::optional<ApiClient> api = ApiClient::open(o->api);
    if (!api) return kExitUsage;
    json nodes = api->get("/api/nodes");
    if (nodes.is_null()) return kExitError;
    if (!nodes.is_array()) {
      std::fprintf(stderr, "error: %s/api/nodes did not answer a list of nodes; is this a Continuum API?\n",
                   api->url().c_str());
      return kExitError;
    }
    json stages = stage_rows(nodes);
    if (o->json) {
      json out_nodes = json::array();
      for (json n : nodes) {
        n.erase("stages");
        out_nodes.push_back(std::move(n));
      }
      std::printf("%s\n", json{{"nodes", out_nodes}, {"stages", stages}}.dump(2).c_str());
      return kExitOk;
    }
    std::vector<std::vector<std::string>> rows{{"NODE", "TIER", "STATE", "ENGINE", "VERSION", "CPU", "MEM", "STAGES"}};
    for (const json& n : nodes)
      rows.push_back({text(n, "id"), text(n, "tier"), text(n, "state"), text(n, "engine"), text(n, "version"),
                      number(n, "cpu_percent", "%.1f%%"), number(n, "rss_kb", "%.1f MiB", 1.0 / 1024),
                      std::to_string(n.value("stages", json::array()).size())});
    print_table(rows);
    std::printf("\n");
    if (stages.empty()) {
      std::printf("(no stages reported yet)\n");
      return kExitOk;
    }
    rows = {{"STAGE", "NODE", "MODULE", "VERSION", "SHA256", "STATE", "IN/S", "OUT/S"}};
    for (const json& s : stages)
      rows.push_back({text(s, "stage"), text(s, "node"), text(s, "module"), text(s, "version"),
                      text(s, "sha256").substr(0, 12), state_text(s), number(s, "in_per_s", "%.1f"),
                      number(s, "out_per_s", "%.1f")});
    print_table(rows);
    return kExitOk;
  };
}

}  // namespace continuum::cli
