#include "rollout_progress.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <map>
#include <string>
#include <thread>

#include "exit_codes.h"

namespace continuum::cli {

using nlohmann::json;

namespace {

volatile std::sig_atomic_t g_interrupted = 0;
void on_sigint(int) { g_interrupted = 1; }

// SIGINT sets a flag while it lives; the previous handler comes back after.
class SigintFlag {
 public:
  SigintFlag() {
    g_interrupted = 0;
    previous_ = std::signal(SIGINT, on_sigint);
  }
  ~SigintFlag() { std::signal(SIGINT, previous_); }
  bool raised() const { return g_interrupted != 0; }

 private:
  void (*previous_)(int);
};

std::string text(const json& o, const char* key) {
  return o.is_object() && o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : "";
}

// One step of a node (a state it reported) as a person reads it.
std::string describe(const json& t) {
  const std::string state = text(t, "state");
  const std::string reason = text(t, "reason");
  if (state == "downloading" && t.value("chunks", 0) > 0) {
    const unsigned received = t.value("received", 0u), chunks = t.value("chunks", 0u);
    char line[96];
    std::snprintf(line, sizeof line, "downloading %u/%u chunks (%u%%)", received, chunks,
                  chunks ? received * 100 / chunks : 0);
    return line;
  }
  if (state == "running") return "running: confirmed";
  if (state == "failed") return "failed: " + (reason.empty() ? std::string("no reason given") : reason);
  if (state == "rolled-back") return "rolled back: " + (reason.empty() ? std::string("no reason given") : reason);
  if (state == "offered") return "offered (waiting for the node)";
  if (state == "requested") return "requested (waiting for the node)";
  return reason.empty() ? state : state + ": " + reason;
}

}  // namespace

int follow_rollout(const ApiClient& api, const json& first, std::chrono::seconds timeout) {
  const std::string id = text(first, "id");
  SigintFlag sigint;
  std::map<std::string, std::size_t> shown;  // node -> steps printed
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  json rollout = first;
  int lost = 0;  // polls in a row the API did not answer
  for (;;) {
    // Each node's steps not printed yet (a step history, so a fast
    // transfer's states all show although they came between two polls).
    for (const json& t : rollout.value("targets", json::array())) {
      const std::string node = text(t, "node");
      const json steps = t.value("steps", json::array());
      for (std::size_t i = shown[node]; i < steps.size(); ++i)
        std::printf("  %-20s %s\n", node.c_str(), describe(steps[i]).c_str());
      shown[node] = std::max(shown[node], steps.size());
    }
    std::fflush(stdout);
    if (rollout.value("done", false)) break;
    if (sigint.raised() || std::chrono::steady_clock::now() >= deadline) {
      std::fprintf(stderr,
                   "error: %s; the nodes finish the %s by themselves (each confirms or rolls back); follow it with "
                   "continuum ls or GET %s/api/rollouts/%s\n",
                   sigint.raised() ? "interrupted" : "timed out waiting for every node to confirm",
                   text(rollout, "kind").c_str(), api.url().c_str(), id.c_str());
      return kExitError;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    json next = api.get("/api/rollouts/" + url_segment(id));
    if (next.is_null()) {
      if (++lost >= 25) {  // about 5 s: the cloud node went away
        std::fprintf(stderr, "error: lost the API while following %s\n", id.c_str());
        return kExitError;
      }
      continue;
    }
    lost = 0;
    rollout = std::move(next);
  }
  std::size_t confirmed = 0, total = 0;
  for (const json& t : rollout.value("targets", json::array())) {
    ++total;
    if (text(t, "state") == "running") ++confirmed;
  }
  if (confirmed == total && total > 0) {
    std::printf("%s %s: %zu of %zu node(s) confirmed\n", text(rollout, "kind").c_str(), id.c_str(), confirmed, total);
    return kExitOk;
  }
  std::fprintf(stderr, "error: %s %s: %zu of %zu node(s) confirmed\n", text(rollout, "kind").c_str(), id.c_str(),
               confirmed, total);
  return kExitError;
}

}  // namespace continuum::cli
