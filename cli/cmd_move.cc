// `continuum move STAGE --to NODE [--from NODE]`: moves a running stage to
// another node with its state (docs/migration.md). Finds the node running
// the stage from the heartbeats (unless --from says), sends it
// stage.migrate over MQTT, shows progress while it waits and reports the
// time the stage was unavailable. Exit 0 moved, 1 refused / no answer / no
// broker, 2 usage errors. Broker options as in `continuum cmd`.
#include <CLI/CLI.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "commands.h"
#include "continuum/adapters/mqtt_bus.h"
#include "continuum/node/agent/config.h"
#include "continuum/node/topics.h"
#include "exit_codes.h"
#include "node_request.h"

namespace continuum::cli {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

bool is_topic_level(const std::string& s) { return !s.empty() && s.find_first_of("/+#") == std::string::npos; }

// From a heartbeat on ctm/v1/<node>/hb: the node, and whether it says it
// runs STAGE (listed, state not "moved"/"adopting").
std::pair<std::string, bool> runs_in(const node::Message& m, const std::string& stage) {
  const std::string& t = m.topic;
  std::size_t a = t.find('/', t.find('/') + 1), b = t.rfind('/');
  std::string node = a == std::string::npos || b <= a ? "" : t.substr(a + 1, b - a - 1);
  json hb = json::parse(m.payload, nullptr, false);
  if (!hb.is_object() || !hb.contains("stage_stats") || !hb["stage_stats"].is_object()) return {node, false};
  auto st = hb["stage_stats"].find(stage);
  if (st == hb["stage_stats"].end() || !st->is_object()) return {node, false};
  std::string state = st->value("state", "");
  return {node, state != "moved" && state != "adopting"};
}

}  // namespace

Command add_move_command(CLI::App& app) {
  struct Options {
    std::string stage, to, from;
    BrokerOptions where;
    std::string timeout = "60s";
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("move", "Move a running stage to another node with its state (docs/migration.md)");
  cmd->add_option("stage", o->stage, "The stage to move")->required();
  cmd->add_option("--to", o->to, "The node to move it to")->required();
  cmd->add_option("--from", o->from, "The node running it now (default: found from the nodes' heartbeats)");
  add_broker_options(*cmd, o->where);
  cmd->add_option("--timeout", o->timeout, "How long to wait for the move as a whole (default 60s)");
  cmd->add_flag("--json", o->json, "Print the source's whole answer as one JSON line");
  return [o]() -> int {
    std::string error;
    adapters::MqttConfig mc;
    if (!broker_config(o->where, &mc, &error)) {
      std::fprintf(stderr, "error: %s\n", error.c_str());
      return kExitUsage;
    }
    std::optional<node::agent::Millis> timeout = node::agent::parse_duration(o->timeout);
    if (!timeout || timeout->count() <= 0) {
      std::fprintf(stderr, "error: --timeout \"%s\": expected a duration such as 30s or 2m\n", o->timeout.c_str());
      return kExitUsage;
    }
    for (const auto& [what, value] : {std::pair{"stage", o->stage}, {"--to", o->to}})
      if (!is_topic_level(value)) {
        std::fprintf(stderr, "error: %s \"%s\": expected a name without '/', '+' or '#'\n", what, value.c_str());
        return kExitUsage;
      }
    if (!o->from.empty() && !is_topic_level(o->from)) {
      std::fprintf(stderr, "error: --from \"%s\": expected a node id without '/', '+' or '#'\n", o->from.c_str());
      return kExitUsage;
    }
    const std::string requester = random_requester_id();
    const std::string id = requester + "-move";
    mc.client_id = "ctm-" + requester;
    std::mutex mutex;
    std::condition_variable changed;
    std::optional<json> reply;
    std::string runner = o->from;
    std::string reply_topic;  // set once the source is known
    // Per node: heartbeats seen, and whether the last one runs the stage. A
    // node counts once two of its heartbeats arrived: the first may have
    // been sent before a move that just ended.
    std::map<std::string, std::pair<int, bool>> seen;
    std::string ambiguous;  // the nodes running it, when more than one
    adapters::MqttBus bus(mc);
    bus.set_message_handler([&](const node::Message& m) {
      std::lock_guard<std::mutex> lock(mutex);
      if (runner.empty() && m.topic.size() > 3 && m.topic.compare(m.topic.size() - 3, 3, "/hb") == 0) {
        auto [node, runs] = runs_in(m, o->stage);
        auto& [count, running] = seen[node];
        ++count;
        running = runs;
        if (count >= 2 && running) {
          runner = node;
          // A stage name several nodes run is ambiguous: say so.
          for (const auto& [other, state] : seen)
            if (other != node && state.second) ambiguous += (ambiguous.empty() ? "" : ", ") + other;
          if (!ambiguous.empty()) ambiguous = node + ", " + ambiguous;
        }
      } else if (!reply_topic.empty() && m.topic == reply_topic) {
        json r = json::parse(m.payload, nullptr, false);
        if (r.is_object() && r.value("id", json()) == json(id)) reply = std::move(r);
      }
      changed.notify_all();
    });
    const Clock::time_point deadline = Clock::now() + *timeout;
    const std::string where = mc.host + ":" + std::to_string(mc.port);
    bus.start();
    auto left_ms = [&] {
      return static_cast<int>(std::max<long long>(
          0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count()));
    };
    auto fail = [&](const std::string& message) {
      bus.set_message_handler({});
      bus.stop();
      std::fprintf(stderr, "error: %s\n", message.c_str());
      return kExitError;
    };
    if (!bus.wait_connected(std::max(left_ms(), 5000)))
      return fail("cannot reach the MQTT broker at " + where + " (is it running? -h/-p or --broker say where)");
    if (o->from.empty()) {
      bus.subscribe(node::topics::all_heartbeats(), 0);
      std::fprintf(stderr, "finding the node that runs %s (from the heartbeats)...\n", o->stage.c_str());
      std::unique_lock<std::mutex> lock(mutex);
      if (!changed.wait_until(lock, deadline, [&] { return !runner.empty(); }))
        return lock.unlock(), fail("no node reported running stage " + o->stage + " within " + o->timeout +
                                   " (is it deployed? --from NODE names the node)");
    }
    if (!ambiguous.empty())
      return fail("stage " + o->stage + " runs on several nodes (" + ambiguous + "); name the one to move with --from");
    if (runner == o->to) {
      bus.stop();
      std::fprintf(stderr, "stage %s already runs on %s\n", o->stage.c_str(), o->to.c_str());
      return kExitOk;
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      reply_topic = node::topics::reply(runner, requester);
    }
    bus.subscribe(reply_topic, 1);
    if (!bus.wait_subscribed(left_ms())) return fail("the broker at " + where + " did not confirm the subscriptions");
    json request = {{"id", id},
                    {"cmd", "stage.migrate"},
                    {"args", {{"stage", o->stage}, {"to", o->to}}},
                    {"reply_to", reply_topic}};
    int token = 0;
    if (node::Status sent = bus.publish(node::topics::command(runner), request.dump(), 1, false, &token); !sent)
      return fail("cannot publish the command: " + sent.message);
    std::fprintf(stderr, "moving %s from %s to %s...\n", o->stage.c_str(), runner.c_str(), o->to.c_str());
    // Progress: one line per second while the nodes work.
    const Clock::time_point asked = Clock::now();
    std::optional<json> answer;
    {
      std::unique_lock<std::mutex> lock(mutex);
      while (!reply && Clock::now() < deadline) {
        changed.wait_until(lock, std::min(deadline, Clock::now() + std::chrono::seconds(1)),
                           [&] { return reply.has_value(); });
        if (!reply && Clock::now() < deadline)
          std::fprintf(stderr, "  waiting for %s (%lld s)\n", runner.c_str(),
                       static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - asked).count()));
      }
      answer = reply;
    }
    bus.set_message_handler({});
    bus.stop();
    if (!answer) {
      std::fprintf(stderr, "error: node %s did not answer within %s (offline? `continuum cmd %s ping` checks)\n",
                   runner.c_str(), o->timeout.c_str(), runner.c_str());
      return kExitError;
    }
    if (o->json) std::printf("%s\n", answer->dump().c_str());
    if (!answer->value("ok", false)) {
      std::string why = answer->contains("error") && (*answer)["error"].is_string() ? (*answer)["error"].get<std::string>()
                                                                                     : answer->dump();
      std::fprintf(stderr, "error: node %s: %s\n", runner.c_str(), why.c_str());
      return kExitError;
    }
    if (!o->json) {
      const json r = answer->value("result", json::object());
      std::printf("moved %s from %s to %s (%s runtime, state as %s): unavailable %.1f ms (prepare %.1f, snapshot %.1f, "
                  "commit %.1f); snapshot %llu bytes, %llu pending inputs carried, outputs continue at seq %llu as %s\n",
                  o->stage.c_str(), runner.c_str(), o->to.c_str(), r.value("runtime", "wasm").c_str(),
                  r.value("form", "instance") == "state" ? "hand-over hooks" : "instance snapshot",
                  r.value("unavailable_ms", 0.0), r.value("prepare_ms", 0.0), r.value("snapshot_ms", 0.0),
                  r.value("commit_ms", 0.0), static_cast<unsigned long long>(r.value("snapshot_bytes", 0)),
                  static_cast<unsigned long long>(r.value("pending_inputs", 0)),
                  static_cast<unsigned long long>(r.value("next_seq", 0)), r.value("publisher", "?").c_str());
    }
    return kExitOk;
  };
}

}  // namespace continuum::cli
