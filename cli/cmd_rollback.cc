// `continuum rollback STAGE [--node NODE]... [--api URL]`: every node running
// the stage (or only --node) goes back to the version it ran before its
// current one, kept on the node; explicit, so past the downgrade guard.
// POST /api/stages/<stage>/rollback sends each node the command
// stage.rollback; the progress is shown until all confirmed (docs/ota.md
// "Rollback").
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api_client.h"
#include "commands.h"
#include "exit_codes.h"
#include "rollout_progress.h"

namespace continuum::cli {

using nlohmann::json;

Command add_rollback_command(CLI::App& app) {
  struct Options {
    std::string stage;
    std::vector<std::string> nodes;
    ApiOptions api;
    int timeout_s = 120;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("rollback", "Roll a stage back to its previous version on its nodes, with progress");
  cmd->add_option("stage", o->stage, "The stage")->required();
  cmd->add_option("--node", o->nodes, "Only this node (repeatable; default: every online node running the stage)");
  cmd->add_option("--timeout", o->timeout_s, "Seconds to wait for every node to confirm")->capture_default_str()
      ->check(CLI::Range(1, 86400));
  add_api_options(*cmd, o->api);
  return [o]() -> int {
    std::optional<ApiClient> api = ApiClient::open(o->api);
    if (!api) return kExitUsage;
    json request = json::object();
    if (!o->nodes.empty()) request["nodes"] = o->nodes;
    json rollout = api->post_json("/api/stages/" + url_segment(o->stage) + "/rollback", request);
    if (rollout.is_null()) return kExitError;
    std::printf("rolling back stage %s on %zu node(s) (%s):\n", o->stage.c_str(),
                rollout.value("targets", json::array()).size(), rollout.value("id", std::string()).c_str());
    return follow_rollout(*api, rollout, std::chrono::seconds(o->timeout_s));
  };
}

}  // namespace continuum::cli
