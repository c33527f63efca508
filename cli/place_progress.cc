#include "place_progress.h"

#include <cstdio>
#include <thread>

#include "exit_codes.h"

namespace continuum::cli {

using nlohmann::json;

namespace {

// The state NODE's last heartbeat gives STAGE in the fleet view; "" when it
// lists no such stage (yet), nullopt when the API cannot be read.
std::optional<std::string> stage_state(const ApiClient& api, const std::string& node, const std::string& stage) {
  json nodes = api.get("/api/nodes");
  if (!nodes.is_array()) return std::nullopt;
  for (const json& n : nodes) {
    if (n.value("id", std::string()) != node) continue;
    for (const json& s : n.value("stages", json::array()))
      if (s.value("name", std::string()) == stage) return s.value("state", std::string());
  }
  return std::string();
}

}  // namespace

int place_and_follow(const ApiClient& api, const std::string& stage, const json& request,
                     std::chrono::seconds timeout) {
  std::printf("placing new stage %s%s...\n", stage.c_str(),
              request.contains("to") ? (" on node " + request["to"].get<std::string>()).c_str()
                                     : " (the cloud chooses the node)");
  std::fflush(stdout);
  json placed = api.post_json("/api/stages/" + url_segment(stage) + "/place", request);
  if (placed.is_null()) return kExitError;  // the error line names every node's reason
  const std::string node = placed.value("node", std::string());
  std::printf("placed stage %s on node %s (%s)\n", stage.c_str(), node.c_str(),
              placed.value("state", std::string("running")).c_str());
  for (const json& t : placed.value("tried", json::array()))
    std::printf("  %-20s refused: %s\n", t.value("node", std::string()).c_str(), t.value("error", std::string()).c_str());
  for (const json& l : placed.value("left_out", json::array()))
    std::printf("  %-20s left out: %s\n", l.value("node", std::string()).c_str(), l.value("reason", std::string()).c_str());
  std::fflush(stdout);

  // The node answered once the stage started; its heartbeat tells the fleet.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last = "?";
  for (int waited_s = 0;; ++waited_s) {
    std::optional<std::string> state = stage_state(api, node, stage);
    if (!state) return kExitError;
    if (*state == "running") {
      std::printf("stage %s runs on node %s\n", stage.c_str(), node.c_str());
      return kExitOk;
    }
    if (*state == "backoff" || *state == "failed" || *state == "stopped") {
      std::fprintf(stderr, "error: stage %s was placed on node %s but is %s (it failed at start: see that node's log)\n",
                   stage.c_str(), node.c_str(), state->c_str());
      return kExitError;
    }
    if (*state != last || waited_s % 5 == 0) {
      std::printf("  %-20s %s (%d s)\n", node.c_str(),
                  state->empty() ? "waiting for its heartbeat to list the stage" : state->c_str(), waited_s);
      std::fflush(stdout);
      last = *state;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      std::fprintf(stderr,
                   "error: stage %s was placed on node %s, but its heartbeat did not show it running within %lld s "
                   "(continuum ls shows it once it does)\n",
                   stage.c_str(), node.c_str(), static_cast<long long>(timeout.count()));
      return kExitError;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

}  // namespace continuum::cli
