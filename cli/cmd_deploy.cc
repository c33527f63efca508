// `continuum deploy MODULE.wasm --stage NAME [--to NODE]... [--api URL]`:
// uploads a signed module to the cloud's registry (POST /api/modules), asks
// the cloud to offer it to every node running the stage, or only the --to
// nodes (POST /api/stages/<stage>/deploy: the fan-out is the server's, so the
// dashboard does the same), and shows each node's progress until all
// confirmed (docs/ota.md "Deploy and rollback across nodes").
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api_client.h"
#include "commands.h"
#include "continuum/ota/signature.h"
#include "exit_codes.h"
#include "module_files.h"
#include "rollout_progress.h"

namespace continuum::cli {

using nlohmann::json;

Command add_deploy_command(CLI::App& app) {
  struct Options {
    std::string module, stage;
    std::vector<std::string> to;
    ApiOptions api;
    bool allow_downgrade = false;
    int timeout_s = 180;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("deploy", "Upload a signed module and update a stage on its nodes, with progress");
  cmd->add_option("module", o->module, "Signed module (.wasm; continuum sign)")->required();
  cmd->add_option("--stage", o->stage, "The stage to update")->required();
  cmd->add_option("--to", o->to, "Only this node (repeatable; default: every online node running the stage)");
  cmd->add_flag("--allow-downgrade", o->allow_downgrade, "Let an older version through (an explicit rollback)");
  cmd->add_option("--timeout", o->timeout_s, "Seconds to wait for every node to confirm")->capture_default_str()
      ->check(CLI::Range(1, 86400));
  add_api_options(*cmd, o->api);
  return [o]() -> int {
    std::optional<ApiClient> api = ApiClient::open(o->api);
    if (!api) return kExitUsage;
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
    json request{{"sha256", sha256}, {"allow_downgrade", o->allow_downgrade}};
    if (!o->to.empty()) request["nodes"] = o->to;
    json rollout = api->post_json("/api/stages/" + url_segment(o->stage) + "/deploy", request);
    if (rollout.is_null()) return kExitError;
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
