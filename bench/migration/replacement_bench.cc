// bench_replacement [--runs N] [--rate R] [--snapshot-every MS] [--keepalive S]:
// how long a dead node's stage is away before the placement service has it
// running elsewhere (docs/migration.md "Placement: a node dies"). Per run: a
// mosquitto on a loopback port, the cloud (in this process, [placement]) and
// edge-1 (in this process, the target), fog-1 as a `continuum node` process
// running the soil filter with [migration] snapshot_every, R readings per
// second streaming in. fog-1 dies three ways:
//   kill  SIGKILL: the kernel closes its socket, the broker sends its Will at once
//   hang  SIGSTOP: the socket stays open, the Will comes after 1.5 x keepalive
//   stop  SIGTERM: a clean stop (the agent says offline itself)
// and each run measures, from the death: the re-placement verdict (the stage
// runs on edge-1: the verdict is sent after the target's commit answer) and
// the first output of the re-placed copy; then checks the output stream:
// readings handled by fog-1 after its last snapshot (lost to the stage's
// state, re-handled when they were still queued in it), readings no copy
// handled (published while no node ran the stage). Medians per kind.
#include <signal.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench_common.h"
#include "continuum/adapters/mqtt_bus.h"
#include "continuum/node/agent/agent.h"
#include "continuum/node/topics.h"
#include "placement_service.h"
#include "support/envelopes.h"
#include "support/mqtt_probe.h"
#include "support/server_process.h"

using namespace continuum;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int64_t kTs0 = 1763712000000;

// Reading SEQ; its ts (kTs0 + seq ms) comes back in the filter's output.
std::string reading(uint64_t seq) {
  return json{{"node", "gen"},
              {"stage", "src"},
              {"seq", seq},
              {"ts", kTs0 + static_cast<int64_t>(seq)},
              {"values",
               {{"sensor", "soil-1"},
                {"t_ms", kTs0 + static_cast<int64_t>(seq) * 1000},
                {"value", 30.0 + 5.0 * std::sin(static_cast<double>(seq) * 0.1)}}}}
      .dump();
}

// A message and when it arrived (MqttProbe::timed_messages).
using Received = std::pair<Clock::time_point, node::Message>;

bool wait_until(const std::function<bool()>& condition, std::chrono::seconds limit) {
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

struct RunResult {
  double running_ms = 0, output_ms = 0;
  uint64_t after_snapshot = 0, handled_twice = 0, never_handled = 0, readings = 0;
};

struct Options {
  int runs = 5, rate = 100, snapshot_every_ms = 1000, keepalive_s = 5;
};

std::optional<RunResult> run_once(const Options& o, const std::string& death, const std::string& binary) {
  testing::BrokerOptions broker_options;
  broker_options.tcp_nodelay = true;
  testing::MosquittoServer broker(broker_options);
  if (!broker.start()) {
    std::fprintf(stderr, "error: cannot start mosquitto: %s\n", broker.log().c_str());
    return std::nullopt;
  }
  testing::TempDir dir;
  auto text = [&](const std::string& id, const std::string& extra) {
    return "[node]\nid = \"" + id + "\"\ntier = \"fog\"\ndata_dir = \"" + (dir.path() / id).string() +
           "\"\nheartbeat = \"1s\"\n[mqtt]\nport = " + std::to_string(broker.port()) + "\nkeepalive = \"" +
           std::to_string(o.keepalive_s) + "s\"\n" + extra;
  };
  const std::string filter = std::string("[[stages]]\nname = \"filter\"\nmodule = \"") + SOIL_FILTER_WASM +
                             "\"\ngrants = [\"config\", \"emit:filtered\", \"emit:aggregate\"]\n"
                             "inputs = { readings = \"gen/src/readings\" }\n";
  std::vector<std::unique_ptr<node::agent::Agent>> agents;
  for (const auto& [id, extra] : std::vector<std::pair<std::string, std::string>>{
           {"cloud-1", "[placement]\nload_threshold = 0\n"}, {"edge-1", ""}}) {
    std::string error;
    auto c = node::agent::parse_node_config(text(id, extra), id + ".toml", "/", node::agent::process_environment(),
                                            &error);
    auto a = c ? node::agent::Agent::start(*c, &error) : nullptr;
    if (!a) {
      std::fprintf(stderr, "error: %s: %s\n", id.c_str(), error.c_str());
      return std::nullopt;
    }
    agents.push_back(std::move(a));
  }
  const std::string fog_config = (dir.path() / "fog-1.toml").string();
  std::ofstream(fog_config) << text("fog-1", "[migration]\nsnapshot_every = \"" + std::to_string(o.snapshot_every_ms) +
                                                 "ms\"\n" + filter);
  testing::MqttProbe watch(broker.port());
  if (!watch.start()) return std::nullopt;
  for (const std::string& t : {node::topics::data("fog-1", "filter", "filtered"), node::topics::placement("filter"),
                               node::topics::stage_snapshot("fog-1", "filter")})
    watch.subscribe(t, 1);
  if (!watch.wait_subscribed(30000)) return std::nullopt;
  testing::ChildProcess fog;
  if (!fog.start({binary, "node", "--config", fog_config}, (dir.path() / "fog-1.log").string())) return std::nullopt;

  bench::ReadingStream stream(broker.port(), o.rate, reading);
  auto count = [&](const std::string& topic) {
    std::size_t n = 0;
    for (const Received& r : watch.timed_messages()) n += r.second.topic == topic && !r.second.payload.empty();
    return n;
  };
  const std::string snapshot_topic = node::topics::stage_snapshot("fog-1", "filter");
  // Running and snapshotting; then the death at a random point of a snapshot period.
  bool ready = wait_until([&] { return count(snapshot_topic) >= 2; }, std::chrono::seconds(60));
  std::this_thread::sleep_for(std::chrono::milliseconds(std::rand() % o.snapshot_every_ms));
  const Clock::time_point died = Clock::now();
  std::thread stopper;
  if (death == "kill") fog.kill_now();
  else if (death == "hang") ::kill(fog.pid(), SIGSTOP);
  else stopper = std::thread([&] { fog.stop(10000); });

  const std::string placement = node::topics::placement("filter");
  const std::string outputs = node::topics::data("fog-1", "filter", "filtered");
  auto first = [&](const std::function<bool(const Received&)>& match) -> std::optional<Clock::time_point> {
    for (const Received& r : watch.timed_messages())
      if (match(r)) return r.first;
    return std::nullopt;
  };
  auto new_output = [&](const Received& r) {
    if (r.second.topic != outputs) return false;
    for (const json& e : continuum::testing::data_message_envelopes(r.second.payload))
      if (e.value("seq", uint64_t{0}) >= node::agent::PlacementService::kSeqJump) return true;
    return false;
  };
  ready = ready && wait_until([&] { return first(new_output).has_value(); },
                              std::chrono::seconds(30 + 2 * o.keepalive_s));
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  stream.stop();
  if (stopper.joinable()) stopper.join();
  if (death == "hang") fog.kill_now();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the last outputs
  std::vector<Received> all = watch.timed_messages();
  watch.stop();
  for (auto& a : agents) a->stop();
  if (!ready) {
    std::fprintf(stderr, "error: %s: the filter was not re-placed (see %s)\n", death.c_str(),
                 (dir.path() / "fog-1.log").string().c_str());
    return std::nullopt;
  }
  RunResult r;
  r.readings = stream.sent();
  auto verdict_at = first([&](const Received& x) { return x.second.topic == placement && !x.second.payload.empty(); });
  r.running_ms = verdict_at ? std::chrono::duration<double, std::milli>(*verdict_at - died).count() : -1;
  r.output_ms = std::chrono::duration<double, std::milli>(*first(new_output) - died).count();
  // The last snapshot before the death, and the output stream.
  uint64_t snapshot_next = 0;
  std::map<uint64_t, int> handled;  // reading seq -> outputs for it
  uint64_t first_new_reading = UINT64_MAX, last_old_reading = 0;
  for (const Received& x : all) {
    if (x.second.topic != snapshot_topic || x.first >= died) continue;
    json doc = json::parse(x.second.payload, nullptr, false);
    if (doc.is_object() && doc.contains("snapshot")) snapshot_next = doc.value("next_seq", uint64_t{0});
  }
  for (const Received& x : all) {
    if (x.second.topic != outputs) continue;
    for (const json& e : continuum::testing::data_message_envelopes(x.second.payload)) {
      const uint64_t seq = e.value("seq", uint64_t{0});
      const uint64_t input = static_cast<uint64_t>(e.value("ts", kTs0) - kTs0);
      ++handled[input];
      if (seq >= node::agent::PlacementService::kSeqJump) first_new_reading = std::min(first_new_reading, input);
      else {
        last_old_reading = std::max(last_old_reading, input);
        if (seq >= snapshot_next) ++r.after_snapshot;
      }
    }
  }
  if (std::getenv("BENCH_REPLACEMENT_DEBUG")) {
    for (const Received& x : all) {
      json doc = json::parse(x.second.payload, nullptr, false);
      double at = std::chrono::duration<double, std::milli>(x.first - died).count();
      if (x.second.topic == snapshot_topic && doc.is_object())
        std::fprintf(stderr, "snapshot at %.0f ms: next_seq %llu %s\n", at,
                     static_cast<unsigned long long>(doc.value("next_seq", uint64_t{0})), doc.contains("snapshot") ? "" : "(none)");
    }
    std::fprintf(stderr, "snapshot_next %llu, last old reading %llu, first new reading %llu\n",
                 static_cast<unsigned long long>(snapshot_next), static_cast<unsigned long long>(last_old_reading),
                 static_cast<unsigned long long>(first_new_reading));
  }
  for (const auto& [input, n] : handled) r.handled_twice += n > 1;
  // Readings between the two copies' ranges that no copy handled.
  for (uint64_t s = last_old_reading + 1; s < first_new_reading && s < r.readings; ++s) r.never_handled += !handled.count(s);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    auto next = [&](int* out) {
      if (i + 1 >= argc) return false;
      *out = std::atoi(argv[++i]);
      return true;
    };
    bool ok = (!std::strcmp(argv[i], "--runs") && next(&o.runs)) || (!std::strcmp(argv[i], "--rate") && next(&o.rate)) ||
              (!std::strcmp(argv[i], "--snapshot-every") && next(&o.snapshot_every_ms)) ||
              (!std::strcmp(argv[i], "--keepalive") && next(&o.keepalive_s));
    if (!ok) {
      std::fprintf(stderr,
                   "usage: bench_replacement [--runs N] [--rate READINGS_PER_S] [--snapshot-every MS] [--keepalive S]\n");
      return 2;
    }
  }
  if (o.runs < 1 || o.rate < 1 || o.snapshot_every_ms < 10 || o.keepalive_s < 5) {
    std::fprintf(stderr, "error: expected --runs >= 1, --rate >= 1, --snapshot-every >= 10 (ms), --keepalive >= 5 (s)\n");
    return 2;
  }
  std::srand(static_cast<unsigned>(::getpid()));
  int status = 0;
  for (const std::string death : {"kill", "stop", "hang"}) {
    std::vector<double> running, output, after, twice, never;
    for (int i = 0; i < o.runs; ++i) {
      std::optional<RunResult> r = run_once(o, death, CONTINUUM_BIN);
      if (!r) {
        status = 1;
        continue;
      }
      std::printf("%-4s run %d: running elsewhere after %7.1f ms, first output %7.1f ms; %llu readings: %llu handled "
                  "by fog-1 after its last snapshot, %llu handled twice, %llu by no copy\n",
                  death.c_str(), i, r->running_ms, r->output_ms, static_cast<unsigned long long>(r->readings),
                  static_cast<unsigned long long>(r->after_snapshot), static_cast<unsigned long long>(r->handled_twice),
                  static_cast<unsigned long long>(r->never_handled));
      std::fflush(stdout);
      running.push_back(r->running_ms);
      output.push_back(r->output_ms);
      after.push_back(static_cast<double>(r->after_snapshot));
      twice.push_back(static_cast<double>(r->handled_twice));
      never.push_back(static_cast<double>(r->never_handled));
    }
    std::printf("%s (%d runs, %d readings/s, snapshot every %d ms, keepalive %d s): running elsewhere median %.1f ms, "
                "first output median %.1f ms; per run medians: %.0f after the last snapshot, %.0f handled twice, %.0f "
                "by no copy\n",
                death.c_str(), static_cast<int>(running.size()), o.rate, o.snapshot_every_ms, o.keepalive_s,
                bench::median(running), bench::median(output), bench::median(after), bench::median(twice),
                bench::median(never));
  }
  std::printf("%s\n", bench::machine().c_str());
  return status;
}
