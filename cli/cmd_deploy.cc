// `continuum deploy MODULE.wasm --stage NAME [--to NODE]... [--api URL]`:
// uploads a signed module to the cloud's registry (POST /api/modules), asks
// the cloud to offer it to every node running the stage, or only the --to
// nodes (POST /api/stages/<stage>/deploy: the fan-out is the server's, so the
// dashboard does the same), and shows each node's progress until all
// confirmed (docs/ota.md "Deploy and rollback across nodes").
//
// With --new, or any of --tier, --input, --publish, --grant, --config,
// --memory, --tick, the stage is a new one: the cloud places it by its
// constraints (POST /api/stages/<stage>/place; place_progress.h). Without, a
// stage no node runs is an error with a hint (a typo must not start a stage).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api_client.h"
#include "commands.h"
#include "continuum/node/agent/config.h"
#include "continuum/ota/signature.h"
#include "exit_codes.h"
#include "module_files.h"
#include "place_progress.h"
#include "rollout_progress.h"
#include "values.h"

namespace continuum::cli {

using nlohmann::json;

namespace {

// What a new stage needs and how it is wired (the keys of a [[stages]] table,
// docs/node-config.md), as options.
struct NewStageOptions {
  std::string tier, config, memory, tick;
  bool tier_required = false;
  bool fresh = false;  // --new: a new stage with the defaults
  std::vector<std::string> inputs, publish, grants;
  bool given() const {
    return fresh || !tier.empty() || tier_required || !config.empty() || !memory.empty() || !tick.empty() || !inputs.empty() ||
           !publish.empty() || !grants.empty();
  }
};

// The place request (docs/api.md "Placing a new stage"); nullopt after an
// `error:` line (a usage error).
std::optional<json> place_request(const std::string& sha256, const std::vector<std::string>& to,
                                  const NewStageOptions& n) {
  json r = {{"sha256", sha256}};
  if (to.size() > 1) {
    std::fprintf(stderr, "error: --to: a new stage is placed on one node, got %zu\n", to.size());
    return std::nullopt;
  }
  if (!to.empty()) r["to"] = to.front();
  if (n.tier_required && n.tier.empty()) {
    std::fprintf(stderr, "error: --tier-required needs --tier TIER (edge, fog, cloud)\n");
    return std::nullopt;
  }
  if (!n.tier.empty()) r["tier"] = n.tier;
  if (n.tier_required) r["tier_required"] = true;
  if (!n.grants.empty()) r["grants"] = n.grants;
  if (!n.publish.empty()) r["publish"] = n.publish;
  for (const std::string& input : n.inputs) {
    std::size_t eq = input.find('=');
    if (eq == 0 || eq == std::string::npos || eq + 1 == input.size()) {
      std::fprintf(stderr, "error: --input %s: expected PORT=NODE/STAGE/PORT, e.g. readings=edge-1/probe/soil\n",
                   input.c_str());
      return std::nullopt;
    }
    r["inputs"][input.substr(0, eq)].push_back(input.substr(eq + 1));
  }
  if (!n.config.empty()) {
    json config = json::parse(n.config, nullptr, false);
    if (!config.is_object()) {
      std::fprintf(stderr, "error: --config: expected a JSON object like '{\"alpha\":\"0.3\"}', got %s\n",
                   n.config.c_str());
      return std::nullopt;
    }
    r["config"] = config;
  }
  if (!n.memory.empty()) {
    uint64_t bytes = 0;
    if (!parse_byte_size(n.memory, &bytes) || bytes == 0) {
      std::fprintf(stderr, "error: --memory %s: expected a size such as 16MiB, 512KiB or 1GiB\n", n.memory.c_str());
      return std::nullopt;
    }
    r["memory_bytes"] = bytes;
  }
  if (!n.tick.empty()) {
    // The same forms as a stage's `tick` in a node config (docs/node-config.md).
    std::optional<node::agent::Millis> ms = node::agent::parse_duration(n.tick);
    if (!ms || ms->count() <= 0) {
      std::fprintf(stderr, "error: --tick %s: expected a duration such as 500ms, 2s or 1m\n", n.tick.c_str());
      return std::nullopt;
    }
    r["tick_ms"] = ms->count();
  }
  return r;
}

// Whether an online node's heartbeat runs STAGE (not moved away); nullopt
// when the API cannot be read (an error line was printed).
std::optional<bool> stage_runs(const ApiClient& api, const std::string& stage) {
  json nodes = api.get("/api/nodes");
  if (nodes.is_null()) return std::nullopt;
  for (const json& n : nodes.is_array() ? nodes : json::array())
    for (const json& s : n.value("stages", json::array()))
      if (s.value("name", std::string()) == stage && s.value("state", std::string()) != "moved") return true;
  return false;
}

}  // namespace

Command add_deploy_command(CLI::App& app) {
  struct Options {
    std::string module, stage;
    std::vector<std::string> to;
    ApiOptions api;
    bool allow_downgrade = false;
    int timeout_s = 180;
    NewStageOptions create;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("deploy", "Upload a signed module and update a stage on its nodes, with progress");
  cmd->add_option("module", o->module, "Signed module (.wasm; continuum sign)")->required();
  cmd->add_option("--stage", o->stage, "The stage to update")->required();
  cmd->add_option("--to", o->to,
                  "Only this node (repeatable; default: every online node running the stage). A new stage: place it "
                  "on this node (its constraints checked)");
  cmd->add_flag("--allow-downgrade", o->allow_downgrade, "Let an older version through (an explicit rollback)");
  cmd->add_option("--timeout", o->timeout_s, "Seconds to wait for every node to confirm")->capture_default_str()
      ->check(CLI::Range(1, 86400));
  // A new stage: its constraints and wiring (docs/node-config.md [[stages]] keys).
  NewStageOptions& n = o->create;
  cmd->add_flag("--new", n.fresh,
                "Place a new stage (no node runs it yet) by its constraints; implied by any option below");
  cmd->add_option("--tier", n.tier, "New stage: the tier it should run on (edge, fog, cloud; preferred)");
  cmd->add_flag("--tier-required", n.tier_required, "New stage: only on --tier, never elsewhere");
  cmd->add_option("--grant", n.grants,
                  "New stage: a grant (repeatable; default: what the module requires). Device grants (sensor:NAME, "
                  "actuator:NAME, serial:NAME) place it on a node having that device");
  cmd->add_option("--input", n.inputs, "New stage: PORT=NODE/STAGE/PORT, where an input comes from (repeatable)");
  cmd->add_option("--publish", n.publish, "New stage: an output port sent to MQTT (repeatable; default: all)");
  cmd->add_option("--config", n.config, "New stage: its config as a JSON object, e.g. '{\"alpha\":\"0.3\"}'");
  cmd->add_option("--memory", n.memory,
                  "New stage: memory it needs (e.g. 64MiB; default 16MiB): its engine limit, and a node needs that "
                  "much free");
  cmd->add_option("--tick", n.tick, "New stage: period of its ticks (e.g. 500ms, 2s)");
  add_api_options(*cmd, o->api);
  return [o]() -> int {
    std::optional<ApiClient> api = ApiClient::open(o->api);
    if (!api) return kExitUsage;
    if (o->create.given() && !place_request("", o->to, o->create)) return kExitUsage;  // before uploading
    std::string error;
    std::optional<std::string> bytes = read_module_file(o->module, &error);
    if (!bytes) {
      std::fprintf(stderr, "error: %s\n", error.c_str());
      return kExitError;
    }
    // Checked here too, so an unsigned file is named before anything is sent.
    std::optional<ota::SignatureParts> parts = ota::split_signature(*bytes, &error);
    if (!parts) {
      std::fprintf(stderr, "error: %s: not a WebAssembly module (%s)\n", o->module.c_str(), error.c_str());
      return kExitError;
    }
    if (!parts->signature) {
      std::fprintf(stderr,
                   "error: %s is not signed (no ctm.signature section); sign it first: continuum sign %s --key KEY "
                   "--name NAME --version X.Y.Z -o signed.wasm\n",
                   o->module.c_str(), o->module.c_str());
      return kExitError;
    }
    json module = api->post("/api/modules" + std::string(o->allow_downgrade ? "?allow_downgrade=1" : ""), *bytes,
                            "application/wasm");
    if (module.is_null()) return kExitError;
    const std::string sha256 = module.value("sha256", std::string());
    std::printf("%s %s %s (%s, %s bytes)\n", module.value("added", false) ? "uploaded" : "already registered:",
                module.value("name", std::string()).c_str(), module.value("version", std::string()).c_str(),
                sha256.substr(0, 12).c_str(), std::to_string(module.value("size", 0ull)).c_str());
    if (o->create.given()) {
      std::optional<json> place = place_request(sha256, o->to, o->create);
      if (!place) return kExitUsage;
      return place_and_follow(*api, o->stage, *place, std::chrono::seconds(o->timeout_s));
    }
    json request{{"sha256", sha256}, {"allow_downgrade", o->allow_downgrade}};
    if (!o->to.empty()) request["nodes"] = o->to;
    json rollout = api->post_json("/api/stages/" + url_segment(o->stage) + "/deploy", request);
    if (rollout.is_null()) {
      // A mistyped name must not start a stage by itself: placing one is asked for explicitly.
      if (std::optional<bool> runs = stage_runs(*api, o->stage); runs && !*runs)
        std::fprintf(stderr, "hint: to place %s as a new stage, say what it needs (--new for the defaults, or "
                     "--tier, --grant, --input, --publish, --config, --memory, --tick)\n", o->stage.c_str());
      return kExitError;
    }
    std::vector<std::string> nodes;
    for (const json& t : rollout.value("targets", json::array())) nodes.push_back(t.value("node", std::string()));
    std::printf("deploying to stage %s on %zu node(s) (%s):\n", o->stage.c_str(), nodes.size(),
                rollout.value("id", std::string()).c_str());
    for (const json& s : rollout.value("skipped", json::array()))
      std::printf("  %-20s skipped: %s\n", s.value("node", std::string()).c_str(),
                  s.value("state", std::string("offline")).c_str());
    return follow_rollout(*api, rollout, std::chrono::seconds(o->timeout_s));
  };
}

}  // namespace continuum::cli
