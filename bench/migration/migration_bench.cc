// bench_migration [--moves N] [--swaps N] [--rate R]: the soil filter moved N
// times between two node agents (fog-1 <-> edge-1, in this process) over a
// mosquitto on a loopback port while R readings per second stream in; prints
// each move's unavailability (the source's stage.migrate answer: from the
// command's start to the target's commit answer) and the median, with the
// machine. Then, on fog-1, N hot swaps (stage.update) between two builds of
// the soil filter under the same stream: each swap's time as the agent
// measures it (swap_ms: the stage handles nothing from the start of the
// update on its loop thread until the new instance is in place; docs/ota.md
// "Hot swap"). Exit 1 when a move or a swap fails.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench_common.h"
#include "continuum/adapters/mqtt_bus.h"
#include "continuum/node/agent/agent.h"
#include "continuum/node/topics.h"
#include "support/server_process.h"

using namespace continuum;
using nlohmann::json;

namespace {

std::string reading(uint64_t seq) {
  return json{{"node", "gen"},
              {"stage", "src"},
              {"seq", seq},
              {"ts", 1763712000000 + static_cast<int64_t>(seq) * 1000},
              {"values",
               {{"sensor", seq % 2 ? "soil-1" : "soil-2"},
                {"t_ms", 1763712000000 + static_cast<int64_t>(seq) * 1000},
                {"value", 30.0 + 5.0 * std::sin(static_cast<double>(seq) * 0.1)}}}}
      .dump();
}

// Sends node commands and waits for their replies (one requester topic).
class Requester {
 public:
  explicit Requester(int port) : bus_(config(port)) {
    bus_.set_message_handler([this](const node::Message& m) {
      std::lock_guard<std::mutex> lock(mutex_);
      replies_.push_back(json::parse(m.payload, nullptr, false));
      changed_.notify_all();
    });
  }
  bool start(const std::vector<std::string>& nodes) {
    if (!bus_.start() || !bus_.wait_connected(30000)) return false;
    for (const std::string& n : nodes) bus_.subscribe(node::topics::reply(n, "bench"), 1);
    return bus_.wait_subscribed(30000);
  }
  std::optional<json> call(const std::string& node, const std::string& id, const std::string& cmd, const json& args) {
    int token = 0;
    bus_.publish(node::topics::command(node),
                 json{{"id", id}, {"cmd", cmd}, {"args", args}, {"reply_to", node::topics::reply(node, "bench")}}.dump(),
                 1, false, &token);
    std::unique_lock<std::mutex> lock(mutex_);
    std::optional<json> found;
    changed_.wait_for(lock, std::chrono::seconds(60), [&] {
      for (const json& r : replies_)
        if (r.is_object() && r.value("id", "") == id) found = r;
      return found.has_value();
    });
    return found;
  }
  void stop() {
    bus_.set_message_handler({});
    bus_.stop();
  }

 private:
  static adapters::MqttConfig config(int port) {
    adapters::MqttConfig c;
    c.port = port;
    return c;
  }
  adapters::MqttBus bus_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<json> replies_;
};

}  // namespace

int main(int argc, char** argv) {
  int moves = 10, swaps = 10, rate = 200;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--moves") && i + 1 < argc) moves = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--swaps") && i + 1 < argc) swaps = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--rate") && i + 1 < argc) rate = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: bench_migration [--moves N] [--swaps N] [--rate READINGS_PER_S]\n");
      return 2;
    }
  }
  if (moves < 1 || swaps < 0 || rate < 1) {
    std::fprintf(stderr, "error: --moves and --rate must be at least 1, --swaps at least 0\n");
    return 2;
  }
  testing::BrokerOptions options;
  options.tcp_nodelay = true;  // request/answer steps: no Nagle delay on the broker's side (as bench/ota)
  testing::MosquittoServer broker(options);
  if (!broker.start()) {
    std::fprintf(stderr, "error: cannot start mosquitto: %s\n", broker.log().c_str());
    return 1;
  }
  testing::TempDir dir;
  auto node_config = [&](const std::string& id, const std::string& stages) {
    std::string text = "[node]\nid = \"" + id + "\"\ndata_dir = \"" + (dir.path() / id).string() +
                       "\"\nheartbeat = \"1s\"\n[mqtt]\nport = " + std::to_string(broker.port()) + "\n" + stages;
    std::string error;
    auto c = node::agent::parse_node_config(text, id + ".toml", "/", node::agent::process_environment(), &error);
    if (!c) std::fprintf(stderr, "error: %s\n", error.c_str());
    return c;
  };
  std::string filter = std::string("[[stages]]\nname = \"filter\"\nmodule = \"") + SOIL_FILTER_WASM +
                       "\"\ngrants = [\"config\", \"emit:filtered\", \"emit:aggregate\"]\n"
                       "inputs = { readings = \"gen/src/readings\" }\n";
  std::string error;
  // A probation of one message: the next swap may follow soon after.
  const std::string short_probation = "[update]\nhealth_messages = 1\nhealth_window = \"1s\"\n";
  auto fog_config = node_config("fog-1", short_probation + filter);
  auto edge_config = node_config("edge-1", short_probation);
  if (!fog_config || !edge_config) return 1;
  auto fog = node::agent::Agent::start(*fog_config, &error);
  auto edge = fog ? node::agent::Agent::start(*edge_config, &error) : nullptr;
  if (!fog || !edge) {
    std::fprintf(stderr, "error: %s\n", error.c_str());
    return 1;
  }
  Requester requester(broker.port());
  if (!requester.start({"fog-1", "edge-1"})) return 1;
  // Both agents answer commands once subscribed.
  for (const char* n : {"fog-1", "edge-1"})
    if (!requester.call(n, std::string("ping-") + n, "ping", json::object())) return 1;

  bench::ReadingStream stream(broker.port(), rate, reading);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::vector<double> unavailable, paused;
  std::string at = "fog-1";
  int status = 0;
  for (int i = 0; i < moves; ++i) {
    std::string to = at == "fog-1" ? "edge-1" : "fog-1";
    std::optional<json> r =
        requester.call(at, "move-" + std::to_string(i), "stage.migrate", {{"stage", "filter"}, {"to", to}});
    if (!r || !r->value("ok", false)) {
      std::fprintf(stderr, "error: move %d failed: %s\n", i, r ? r->dump().c_str() : "no answer");
      status = 1;
      break;
    }
    const json& res = (*r)["result"];
    unavailable.push_back(res.value("unavailable_ms", 0.0));
    paused.push_back(res.value("snapshot_ms", 0.0) + res.value("commit_ms", 0.0));
    std::printf("move %2d %-6s -> %-6s unavailable %6.2f ms (prepare %5.2f, snapshot %5.2f, commit %5.2f, restore "
                "%5.2f), snapshot %llu bytes, %llu pending\n",
                i, at.c_str(), to.c_str(), res.value("unavailable_ms", 0.0), res.value("prepare_ms", 0.0),
                res.value("snapshot_ms", 0.0), res.value("commit_ms", 0.0), res.value("restore_ms", 0.0),
                static_cast<unsigned long long>(res.value("snapshot_bytes", 0)),
                static_cast<unsigned long long>(res.value("pending_inputs", 0)));
    at = to;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  // Hot swaps on the node the filter ended on (the moves above warmed it up), alternating between the wasm
  // build and a copy of it (another file, the same code: a swap does the
  // same work whatever the version).
  std::vector<double> swap_ms, handover_ms;
  const std::string copy = (dir.path() / "soil-filter-copy.wasm").string();
  {
    std::ifstream in(SOIL_FILTER_WASM, std::ios::binary);
    std::ofstream out(copy, std::ios::binary);
    out << in.rdbuf();
  }
  for (int i = 0; i < swaps && status == 0; ++i) {
    const std::string module = i % 2 ? SOIL_FILTER_WASM : copy;
    std::optional<json> r;
    // The previous swap's probation ends with the next message (health_messages = 1).
    for (int attempt = 0; attempt < 50; ++attempt) {
      r = requester.call(at, "swap-" + std::to_string(i) + "-" + std::to_string(attempt), "stage.update",
                         {{"stage", "filter"}, {"module", module}});
      if (r && (r->value("ok", false) || r->value("error", "").find("probation") == std::string::npos)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!r || !r->value("ok", false)) {
      std::fprintf(stderr, "error: swap %d failed: %s\n", i, r ? r->dump().c_str() : "no answer");
      status = 1;
      break;
    }
    const json& res = (*r)["result"];
    swap_ms.push_back(res.value("swap_ms", -1.0));
    handover_ms.push_back(res.value("handover_ms", -1.0));
    std::printf("swap %2d on %-6s swap %6.2f ms (handover %5.2f ms, %s)\n", i, at.c_str(), swap_ms.back(),
                handover_ms.back(), res.value("handover", "").c_str());
    if (swap_ms.back() < 0) {
      std::fprintf(stderr, "error: swap %d: the answer has no swap_ms: %s\n", i, r->dump().c_str());
      status = 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  stream.stop();
  requester.stop();
  edge->stop();
  fog->stop();
  std::printf("%s\n", bench::machine().c_str());
  std::printf("soil filter, %d moves at %d readings/s: unavailable median %.2f ms (min %.2f, max %.2f); "
              "paused (snapshot + commit) median %.2f ms\n",
              static_cast<int>(unavailable.size()), rate, bench::median(unavailable),
              unavailable.empty() ? 0 : *std::min_element(unavailable.begin(), unavailable.end()),
              unavailable.empty() ? 0 : *std::max_element(unavailable.begin(), unavailable.end()), bench::median(paused));
  if (!swap_ms.empty())
    std::printf("soil filter, %d hot swaps at %d readings/s: swap median %.2f ms (min %.2f, max %.2f); handover "
                "median %.2f ms\n",
                static_cast<int>(swap_ms.size()), rate, bench::median(swap_ms),
                *std::min_element(swap_ms.begin(), swap_ms.end()), *std::max_element(swap_ms.begin(), swap_ms.end()),
                bench::median(handover_ms));
  return status;
}
