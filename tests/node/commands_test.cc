// Node commands (ctm/v1/<node>/cmd) against a real agent and a real
// mosquitto: ping, help, stats, stage.stop/start/restart, refusals counted,
// a redelivered id answered from the cache; and `continuum cmd` end to end.
#include <gtest/gtest.h>

#include "commands.h"
#include "node_test_support.h"
#include "support/mqtt_probe.h"
#include "support/run_program.h"
#include "support/server_process.h"

namespace continuum::node::agent {
namespace {

using nlohmann::json;
using test::eventually;
using test::parse_config;
using test::stage_of;

// A node whose "control" stage ticks and feeds "filter" in-process.
std::string node_config(const std::string& dir, int port, const std::string& extra = "") {
  return "[node]\nid = \"edge-1\"\ndata_dir = \"" + dir + "\"\nheartbeat = \"200ms\"\n[mqtt]\nport = " +
         std::to_string(port) + "\n" + testing::simulated_field_control(IRRIGATION_CONTROL_WASM, "10ms") + R"([[stages]]
name = "filter"
module = ")" + SOIL_FILTER_WASM + R"("
grants = ["config", "emit:filtered", "emit:aggregate"]
inputs = { readings = "control.readings" }
queue = 8
)" + extra;
}

class NodeCommands : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(broker_.start()) << broker_.log();
    std::string error;
    agent_ = Agent::start(parse_config(node_config(dir_.path().string(), broker_.port())), &error);
    ASSERT_TRUE(agent_) << error;
    ASSERT_TRUE(eventually([&] { return agent_->stats().connected; }));
    requester_ = std::make_unique<test::Requester>(broker_.port(), "edge-1");
    ASSERT_TRUE(requester_->start());
  }

  testing::MosquittoServer broker_;
  testing::TempDir dir_;
  std::unique_ptr<Agent> agent_;
  std::unique_ptr<test::Requester> requester_;
};

TEST_F(NodeCommands, PingHelpAndStats) {
  json pong = requester_->call("p-1", "ping");
  ASSERT_TRUE(pong.is_object()) << "no reply to ping";
  EXPECT_EQ(pong, json::parse(R"({"id":"p-1","ok":true,"result":{"pong":true}})"));

  json help = requester_->call("h-1", "help");
  ASSERT_TRUE(help.value("ok", false)) << help;
  std::vector<std::string> names;
  for (const json& c : help["result"]["commands"]) names.push_back(c["name"]);
  std::vector<std::string> table;
  for (const CommandSpec& c : command_table()) table.push_back(c.name);
  EXPECT_EQ(names, table);  // help lists the one table
  for (const char* name : {"ping", "help", "stats", "stage.stop", "stage.start", "stage.restart"})
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;

  ASSERT_TRUE(eventually([&] { return stage_of(agent_->stats(), "filter").delivered >= 3; }));
  json stats = requester_->call("s-1", "stats");
  ASSERT_TRUE(stats.value("ok", false)) << stats;
  const json& r = stats["result"];
  EXPECT_EQ(r["node"], "edge-1");
  EXPECT_EQ(r["engine"], "continuum-interp");
  EXPECT_EQ(r["window_s"], 10);
  EXPECT_GE(r["stage_stats"]["filter"]["delivered"].get<uint64_t>(), 3u);
  EXPECT_GT(r["stage_stats"]["control"]["out_per_s"].get<double>(), 0.0);
  EXPECT_EQ(r["stage_stats"]["filter"]["state"], "running");
  EXPECT_GT(r["process"]["rss_kb"].get<uint64_t>(), 0u);
  EXPECT_TRUE(r["process"].contains("cpu_percent"));
  EXPECT_EQ(r["commands"]["ok"].get<uint64_t>(), 2u);  // ping and help; this one counts once answered
}

TEST_F(NodeCommands, StoppedStageGetsNoDeliveriesAndResumesWhenStarted) {
  ASSERT_TRUE(eventually([&] { return stage_of(agent_->stats(), "filter").delivered >= 3; }));
  json stopped = requester_->call("stop-1", "stage.stop", {{"stage", "filter"}});
  ASSERT_TRUE(stopped.value("ok", false)) << stopped;
  EXPECT_EQ(stopped["result"]["state"], "stopped");
  uint64_t delivered = stage_of(agent_->stats(), "filter").delivered;
  uint64_t control_emitted = stage_of(agent_->stats(), "control").emitted;
  // The producer keeps running; its messages pile up in the bounded queue
  // (8) and the oldest are dropped, while nothing reaches the stopped stage.
  ASSERT_TRUE(eventually([&] { return stage_of(agent_->stats(), "filter").dropped >= 5; }));
  AgentStats s = agent_->stats();
  EXPECT_EQ(stage_of(s, "filter").delivered, delivered);
  EXPECT_EQ(stage_of(s, "filter").state, "stopped");
  EXPECT_LE(stage_of(s, "filter").queue_depth, 8u);
  EXPECT_GT(stage_of(s, "control").emitted, control_emitted + 5);
  json stats = requester_->call("s-2", "stats");
  EXPECT_EQ(stats["result"]["stage_stats"]["filter"]["state"], "stopped");

  json started = requester_->call("start-1", "stage.start", {{"stage", "filter"}});
  ASSERT_TRUE(started.value("ok", false)) << started;
  EXPECT_EQ(started["result"]["state"], "running");
  ASSERT_TRUE(eventually([&] { return stage_of(agent_->stats(), "filter").delivered >= delivered + 8; }));
  EXPECT_EQ(stage_of(agent_->stats(), "filter").state, "running");
}

TEST_F(NodeCommands, RestartIsCountedAndARedeliveredIdRunsOnce) {
  json first = requester_->call("r-1", "stage.restart", {{"stage", "filter"}});
  ASSERT_TRUE(first.value("ok", false)) << first;
  EXPECT_EQ(first["result"]["restarts"], 1);
  EXPECT_EQ(stage_of(agent_->stats(), "filter").restarts, 1u);
  // The same request again (as a QoS 1 redelivery would bring it): the
  // cached reply, and the stage is not restarted a second time.
  requester_->send_raw(R"({"id":"r-1","cmd":"stage.restart","args":{"stage":"filter"}})");
  json again = requester_->wait_for("r-1", 2);
  EXPECT_EQ(again, first);
  json second = requester_->call("r-2", "stage.restart", {{"stage", "filter"}});
  EXPECT_EQ(second["result"]["restarts"], 2);
  EXPECT_EQ(stage_of(agent_->stats(), "filter").restarts, 2u);
  EXPECT_EQ(requester_->count_with_id("r-1"), 2u);
  json stats = requester_->call("s-3", "stats");
  EXPECT_EQ(stats["result"]["commands"]["duplicates"], 1);
  // Deliveries go on after the restarts.
  uint64_t delivered = stage_of(agent_->stats(), "filter").delivered;
  EXPECT_TRUE(eventually([&] { return stage_of(agent_->stats(), "filter").delivered > delivered + 3; }));
}

TEST_F(NodeCommands, BadRequestsAreAnsweredWithClearErrorsAndCounted) {
  json unknown = requester_->call("u-1", "reboot");
  EXPECT_EQ(unknown["ok"], false);
  EXPECT_EQ(unknown["error"], "unknown command \"reboot\" (\"help\" lists the commands)");
  json no_stage = requester_->call("u-2", "stage.stop", {{"stage", "pump"}});
  EXPECT_EQ(no_stage["ok"], false);
  EXPECT_EQ(no_stage["error"], "stage.stop: no stage \"pump\" on node edge-1 (stages: control, filter)");
  json missing = requester_->call("u-3", "stage.start");
  EXPECT_EQ(missing["error"], "stage.start: missing argument \"stage\" (stage name)");
  json mistyped = requester_->call("u-4", "stage.start", {{"stage", 3}});
  EXPECT_EQ(mistyped["error"], "stage.start: argument \"stage\" must be a stage name, got 3");
  json extra = requester_->call("u-5", "ping", {{"loud", true}});
  EXPECT_EQ(extra["error"], "ping: unknown argument \"loud\"");
  // Not JSON: answered on the default reply topic with a null id.
  requester_->send_raw("{not json");
  json malformed = requester_->wait_for(nullptr);
  EXPECT_EQ(malformed["ok"], false);
  EXPECT_NE(malformed["error"].get<std::string>().find("not a JSON object"), std::string::npos);
  requester_->send_raw(R"({"cmd":"ping"})");  // no id
  EXPECT_EQ(requester_->wait_for(nullptr, 2)["error"], "\"id\" must be a non-empty string, unique per request");
  // Counted per kind (heartbeat and stats); the node still serves.
  json stats = requester_->call("s-4", "stats");
  const json& c = stats["result"]["commands"];
  EXPECT_EQ(c["malformed"], 2);
  EXPECT_EQ(c["unknown_command"], 1);
  EXPECT_EQ(c["unknown_stage"], 1);
  EXPECT_EQ(c["bad_args"], 3);
  EXPECT_EQ(c["ok"], 0);  // this stats request counts once it is answered
  EXPECT_EQ(stage_of(agent_->stats(), "filter").state, "running");
}

// Runs `continuum ARGS...`; exit status, stdout and stderr.
using CliRun = testing::ProgramRun;

CliRun run_cli(const std::vector<std::string>& args, const std::filesystem::path& dir) {
  return testing::run_program(CONTINUUM_BIN, args, dir);
}

TEST_F(NodeCommands, CliSendsCommandsAndReportsErrors) {
  std::string port = std::to_string(broker_.port());
  CliRun ping = run_cli({"cmd", "edge-1", "ping", "-p", port, "--json"}, dir_.path());
  EXPECT_EQ(ping.status, 0) << ping.err;
  json reply = json::parse(ping.out, nullptr, false);
  EXPECT_EQ(reply["ok"], true) << ping.out;
  EXPECT_EQ(reply["result"], json::parse(R"({"pong":true})"));

  CliRun stop = run_cli({"cmd", "edge-1", "stage.stop", "stage=filter", "--broker", "127.0.0.1:" + port}, dir_.path());
  EXPECT_EQ(stop.status, 0) << stop.err;
  EXPECT_EQ(json::parse(stop.out, nullptr, false)["state"], "stopped") << stop.out;
  EXPECT_EQ(stage_of(agent_->stats(), "filter").state, "stopped");

  CliRun bad = run_cli({"cmd", "edge-1", "stage.stop", "stage=nope", "-h", "127.0.0.1", "-p", port}, dir_.path());
  EXPECT_EQ(bad.status, 1);
  EXPECT_EQ(bad.err, "error: node edge-1: stage.stop: no stage \"nope\" on node edge-1 (stages: control, filter)\n");

  CliRun usage = run_cli({"cmd", "edge-1", "stage.stop", "filter", "-p", port}, dir_.path());
  EXPECT_EQ(usage.status, 2);
  EXPECT_EQ(usage.err, "error: argument \"filter\" is not key=value (e.g. stage=filter)\n");

  // A node that is not there: timeout, and what the broker knows about it.
  CliRun absent = run_cli({"cmd", "edge-9", "ping", "-p", port, "--timeout", "300ms"}, dir_.path());
  EXPECT_EQ(absent.status, 1);
  EXPECT_EQ(absent.err,
            "error: node edge-9 did not answer within 300ms; the broker holds no status for it (wrong node id, or "
            "it never connected)\n");
  agent_->stop();  // leaves the retained "offline"
  {
    testing::MqttProbe watcher(broker_.port());
    ASSERT_TRUE(watcher.start());
    watcher.subscribe(topics::status("edge-1"), 1);
    ASSERT_TRUE(eventually([&] { return watcher.last_payload().find("offline") != std::string::npos; }));
  }
  CliRun offline = run_cli({"cmd", "edge-1", "ping", "-p", port, "--timeout", "300ms"}, dir_.path());
  EXPECT_EQ(offline.status, 1);
  EXPECT_EQ(offline.err, "error: node edge-1 did not answer within 300ms; its retained status says it is offline\n");

  // No broker there: a failure (1) saying so, not a usage error.
  CliRun no_broker = run_cli({"cmd", "edge-1", "ping", "-p", std::to_string(testing::free_loopback_port())}, dir_.path());
  EXPECT_EQ(no_broker.status, 1);
  EXPECT_NE(no_broker.err.find("error: cannot reach the MQTT broker at 127.0.0.1:"), std::string::npos) << no_broker.err;

  CliRun help = run_cli({"cmd", "--help"}, dir_.path());
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("-h,--host"), std::string::npos) << help.out;
}

}  // namespace
}  // namespace continuum::node::agent
