// Live migration (docs/migration.md) with three node agents on a real
// mosquitto: the soil filter moves fog -> edge -> fog (and wasm -> native)
// while readings stream in, and its output -- values and seq numbers -- is
// exactly that of a reference node running the same stage on the same input
// without ever moving: nothing missing, nothing twice, the EMA carried on.
// Bad moves are refused with a reason and leave the stage running.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "continuum/adapters/http_client.h"
#include "continuum/adapters/mqtt_bus.h"
#include "continuum/node/agent/agent.h"
#include "continuum/node/topics.h"
#include "node_test_support.h"
#include "placement_service.h"
#include "support/envelopes.h"
#include "support/mqtt_probe.h"
#include "support/run_program.h"
#include "support/server_process.h"

namespace continuum::node::agent {
namespace {

using nlohmann::json;
using test::eventually;
using test::parse_config;
using test::stage_of;

// A soil reading whose value wanders, so the EMA and the windows depend on
// every earlier reading.
std::string reading(uint64_t seq) {
  double value = 30.0 + 5.0 * std::sin(static_cast<double>(seq) * 0.1) + (seq % 7 == 0 ? 3.0 : 0.0);
  return json{{"node", "gen"},
              {"stage", "src"},
              {"seq", seq},
              {"ts", 1763712000000 + static_cast<int64_t>(seq) * 1000},
              {"values",
               {{"sensor", seq % 3 == 0 ? "soil-2" : "soil-1"},
                {"t_ms", 1763712000000 + static_cast<int64_t>(seq) * 1000},
                {"value", value},
                {"status", "ok"}}}}
      .dump();
}

std::string node_toml(const std::string& id, const std::string& tier, const std::filesystem::path& dir, int port,
                      const std::string& extra) {
  return "[node]\nid = \"" + id + "\"\ntier = \"" + tier + "\"\ndata_dir = \"" + (dir / id).string() +
         "\"\nheartbeat = \"100ms\"\n[mqtt]\nport = " + std::to_string(port) + "\n" + extra;
}

std::string filter_stage(const std::string& extra = "") {
  return std::string("[[stages]]\nname = \"filter\"\nmodule = \"") + SOIL_FILTER_WASM +
         "\"\ngrants = [\"config\", \"emit:filtered\", \"emit:aggregate\"]\n"
         "inputs = { readings = \"gen/src/readings\" }\nqueue = 100000\n" +
         extra;
}

class Migration : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(broker_.start()) << broker_.log(); }
  void TearDown() override {
    for (auto& [id, agent] : agents_) agent->stop();
  }

  Agent& start(const std::string& id, const std::string& tier, const std::string& extra) {
    std::string error;
    auto agent = Agent::start(parse_config(node_toml(id, tier, dir_.path(), broker_.port(), extra)), &error);
    EXPECT_TRUE(agent) << error;
    Agent& a = *agent;
    agents_[id] = std::move(agent);
    return a;
  }
  int heartbeats_of(const std::string& node) {
    int seen = 0;
    for (const Message& m : probe_->messages()) seen += m.topic == topics::heartbeat(node);
    return seen;
  }
  // Heartbeats come after the subscriptions: a node that sent two is ready.
  void wait_ready(const std::vector<std::string>& nodes) {
    for (const std::string& n : nodes)
      ASSERT_TRUE(eventually([&] { return heartbeats_of(n) >= 2; })) << n << " sent no heartbeats\n" << broker_.log();
  }
  // Stops node ID and starts it again with the same config and data dir:
  // ready once two more heartbeats came (one may be the old run's last).
  Agent& restart(const std::string& id, const std::string& tier, const std::string& extra) {
    agents_[id]->stop();
    agents_.erase(id);
    const int before = heartbeats_of(id);
    Agent& a = start(id, tier, extra);
    EXPECT_TRUE(eventually([&] { return heartbeats_of(id) >= before + 2; })) << id << " did not come back";
    return a;
  }
  void start_probe() {
    probe_ = std::make_unique<testing::MqttProbe>(broker_.port());
    ASSERT_TRUE(probe_->start());
    ASSERT_TRUE(probe_->subscribe(topics::all_data(), 1));
    ASSERT_TRUE(probe_->subscribe(topics::all_heartbeats(), 0));
    ASSERT_TRUE(probe_->wait_subscribed(30000));
  }
  // Each output of PUBLISHER's filter on PORT, by seq; a seq twice fails.
  // A message is one envelope or a batch of them (docs/protocol.md, "Batches").
  std::map<uint64_t, json> outputs_of(const std::string& publisher, const std::string& port) {
    std::map<uint64_t, json> by_seq;
    for (const Message& m : probe_->messages()) {
      if (m.topic != topics::data(publisher, "filter", port)) continue;
      for (const json& e : continuum::testing::data_message_envelopes(m.payload)) {
        uint64_t seq = e["seq"].get<uint64_t>();
        EXPECT_FALSE(by_seq.count(seq)) << publisher << " published seq " << seq << " twice";
        by_seq[seq] = e["values"];
      }
    }
    return by_seq;
  }
  json move(const std::string& source, const std::string& to, const std::string& id) {
    test::Requester requester(broker_.port(), source);
    EXPECT_TRUE(requester.start());
    return requester.call(id, "stage.migrate", {{"stage", "filter"}, {"to", to}});
  }
  // Readings FROM..TO-1, each acknowledged by the broker before it returns.
  void publish_readings(uint64_t from, uint64_t to) {
    std::atomic<bool> stop{true};
    std::atomic<uint64_t> sent{0};
    stream_readings(stop, to, sent, from);
  }
  void wait_filtered(const std::string& publisher, std::size_t count) {
    ASSERT_TRUE(eventually([&] { return outputs_of(publisher, "filtered").size() >= count; }))
        << publisher << ": " << outputs_of(publisher, "filtered").size() << " of " << count << " outputs";
  }
  // Streams readings (from seq FROM on) until `stop` is set and at least MIN
  // were sent; the count sent.
  void stream_readings(std::atomic<bool>& stop, uint64_t min, std::atomic<uint64_t>& sent, uint64_t from = 0) {
    adapters::MqttConfig pc;
    pc.port = broker_.port();
    // Every reading acknowledged before the publisher disconnects: a QoS 1
    // message still in flight at DISCONNECT never reaches the broker, and on
    // a loaded machine that was the last few dozen of them.
    std::atomic<uint64_t> acked{0};
    adapters::MqttBus publisher(pc);
    publisher.set_ack_handler([&](int) { ++acked; });
    ASSERT_TRUE(publisher.start());
    ASSERT_TRUE(publisher.wait_connected(30000));
    int token = 0;
    for (uint64_t seq = from; !stop || seq < min; ++seq) {
      ASSERT_TRUE(publisher.publish(topics::data("gen", "src", "readings"), reading(seq), 1, false, &token));
      sent = seq + 1;
      if (!stop) std::this_thread::sleep_for(std::chrono::microseconds(300));
    }
    EXPECT_TRUE(eventually([&] { return acked >= sent - from; })) << acked << " of " << sent - from
                                                                   << " readings acknowledged";
    publisher.stop();
  }
  // The moved stage's outputs equal the reference's: same seqs, same values.
  void expect_same_as_reference(uint64_t readings) {
    ASSERT_TRUE(eventually([&] {
      return outputs_of("fog-1", "filtered").size() >= readings && outputs_of("ref-1", "filtered").size() >= readings;
    })) << "fog-1 " << outputs_of("fog-1", "filtered").size() << ", ref-1 " << outputs_of("ref-1", "filtered").size()
        << " of " << readings;
    for (const char* port : {"filtered", "aggregate"}) {
      std::map<uint64_t, json> moved = outputs_of("fog-1", port), reference = outputs_of("ref-1", port);
      EXPECT_EQ(moved.size(), reference.size()) << port;
      for (const auto& [seq, values] : reference) {
        auto it = moved.find(seq);
        ASSERT_NE(it, moved.end()) << port << " seq " << seq << " missing after the moves";
        ASSERT_EQ(it->second, values) << port << " seq " << seq;
      }
    }
  }

  testing::MosquittoServer broker_;
  testing::TempDir dir_;
  std::map<std::string, std::unique_ptr<Agent>> agents_;
  std::unique_ptr<testing::MqttProbe> probe_;
};

TEST_F(Migration, SoilFilterFogToEdgeAndBackKeepsItsOutputSequence) {
  start_probe();
  start("fog-1", "fog", filter_stage());
  Agent& edge = start("edge-1", "edge", "");
  start("ref-1", "fog", filter_stage());
  wait_ready({"fog-1", "edge-1", "ref-1"});

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> sent{0};
  std::thread stream([&] { stream_readings(stop, 1500, sent); });
  ASSERT_TRUE(eventually([&] { return sent >= 300; }));
  json there = move("fog-1", "edge-1", "move-1");
  ASSERT_TRUE(there.value("ok", false)) << there.dump();
  EXPECT_EQ(there["result"]["to"], "edge-1");
  EXPECT_EQ(there["result"]["form"], "instance");
  EXPECT_GE(there["result"]["unavailable_ms"].get<double>(), 0.0);
  EXPECT_EQ(stage_of(agents_["fog-1"]->stats(), "filter").state, "moved");
  ASSERT_TRUE(eventually([&] { return stage_of(edge.stats(), "filter").delivered > 100; }));
  // Back with the CLI (--from: ref-1 runs a stage of that name too).
  testing::ProgramRun back = testing::run_program(
      CONTINUUM_BIN,
      {"move", "filter", "--to", "fog-1", "--from", "edge-1", "--broker", "127.0.0.1:" + std::to_string(broker_.port())},
      dir_.path());
  ASSERT_EQ(back.status, 0) << back.out << back.err;
  EXPECT_NE(back.out.find("moved filter from edge-1 to fog-1"), std::string::npos) << back.out;
  EXPECT_NE(back.out.find("unavailable"), std::string::npos) << back.out;
  EXPECT_EQ(stage_of(edge.stats(), "filter").state, "moved");
  EXPECT_EQ(stage_of(agents_["fog-1"]->stats(), "filter").state, "running");
  stop = true;
  stream.join();
  expect_same_as_reference(sent);
  // The edge published under the stage's stable identity, never its own.
  EXPECT_TRUE(outputs_of("edge-1", "filtered").empty());
}

TEST_F(Migration, WasmToNativeBuildKeepsItsOutputSequence) {
  start_probe();
  start("fog-1", "fog", filter_stage());
  Agent& edge = start("edge-1", "edge", std::string("[migration]\nnative = { filter = \"") + SOIL_FILTER_NATIVE + "\" }\n");
  start("ref-1", "fog", filter_stage());
  wait_ready({"fog-1", "edge-1", "ref-1"});

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> sent{0};
  std::thread stream([&] { stream_readings(stop, 800, sent); });
  ASSERT_TRUE(eventually([&] { return sent >= 300; }));
  json there = move("fog-1", "edge-1", "move-native");
  ASSERT_TRUE(there.value("ok", false)) << there.dump();
  EXPECT_EQ(there["result"]["form"], "state");
  EXPECT_EQ(there["result"]["runtime"], "native");
  stop = true;
  stream.join();
  expect_same_as_reference(sent);
  EXPECT_GT(stage_of(edge.stats(), "filter").delivered, 0u);
}

TEST_F(Migration, BadMovesAreRefusedWithAReasonAndTheStageKeepsRunning) {
  start_probe();
  start("fog-1", "fog",
        "[migration]\ntimeout = \"1s\"\n"
        "[[devices]]\nname = \"field\"\nkind = \"simulated\"\nsensors = { soil-1 = 30.0 }\n" +
            filter_stage() +
            "[[stages]]\nname = \"probe\"\nmodule = \"" + IRRIGATION_CONTROL_WASM +
            "\"\ngrants = [\"config\", \"sensor:soil-1\", \"emit:readings\", \"emit:pump\"]\n"
            "config = { sensors = \"soil-1\", low = 25, high = 35 }\ntick = \"1h\"\n");
  start("edge-1", "edge", "");
  start("closed-1", "edge", "[migration]\naccept = false\n");
  wait_ready({"fog-1", "edge-1", "closed-1"});
  test::Requester requester(broker_.port(), "fog-1");
  ASSERT_TRUE(requester.start());
  auto refused = [&](const std::string& id, const json& args) {
    json r = requester.call(id, "stage.migrate", args);
    EXPECT_FALSE(r.value("ok", true)) << r.dump();
    return r.value("error", std::string());
  };
  EXPECT_NE(refused("bad-1", {{"stage", "nope"}, {"to", "edge-1"}}).find("no stage \"nope\""), std::string::npos);
  EXPECT_NE(refused("bad-2", {{"stage", "filter"}, {"to", "ghost"}}).find("did not answer"), std::string::npos);
  EXPECT_NE(refused("bad-3", {{"stage", "filter"}, {"to", "fog-1"}}).find("already runs on node fog-1"),
            std::string::npos);
  EXPECT_NE(refused("bad-4", {{"stage", "probe"}, {"to", "edge-1"}}).find("sensor:soil-1"), std::string::npos);
  EXPECT_NE(refused("bad-5", {{"stage", "filter"}, {"to", "closed-1"}}).find("accept = false"), std::string::npos);
  EXPECT_NE(refused("bad-6", {{"stage", "filter"}, {"to", "a/b"}}).find("expected a node id"), std::string::npos);
  // The CLI: usage errors (2) and a refusal passed on (1) with the node's reason.
  const std::string broker = "127.0.0.1:" + std::to_string(broker_.port());
  testing::ProgramRun run = testing::run_program(CONTINUUM_BIN, {"move", "filter", "--broker", broker}, dir_.path());
  EXPECT_EQ(run.status, 2) << run.err;
  run = testing::run_program(CONTINUUM_BIN, {"move", "filter", "--to", "a/b", "--broker", broker}, dir_.path());
  EXPECT_EQ(run.status, 2) << run.err;
  EXPECT_NE(run.err.find("error: --to \"a/b\""), std::string::npos) << run.err;
  run = testing::run_program(CONTINUUM_BIN, {"move", "filter", "--to", "closed-1", "--broker", broker}, dir_.path());
  EXPECT_EQ(run.status, 1) << run.err;
  EXPECT_NE(run.err.find("error: node fog-1: stage.migrate: node closed-1 refused"), std::string::npos) << run.err;
  EXPECT_EQ(stage_of(agents_["fog-1"]->stats(), "filter").state, "running");
  EXPECT_EQ(stage_of(agents_["fog-1"]->stats(), "probe").state, "running");
  // Still serving: a reading goes through the filter on fog-1.
  adapters::MqttConfig pc;
  pc.port = broker_.port();
  adapters::MqttBus publisher(pc);
  ASSERT_TRUE(publisher.start());
  ASSERT_TRUE(publisher.wait_connected(30000));
  int token = 0;
  ASSERT_TRUE(publisher.publish(topics::data("gen", "src", "readings"), reading(0), 1, false, &token));
  EXPECT_TRUE(eventually([&] { return outputs_of("fog-1", "filtered").size() == 1; }));
  publisher.stop();
}

// POST /api/stages/<stage>/move on a cloud node's HTTP API: the source is
// found in the fleet view, the move answered with its figures; bad requests
// refused with the reason.
TEST_F(Migration, HttpMoveRoute) {
  start_probe();
  const int http_port = testing::free_loopback_port();
  const std::string token = "migration-test-token-0123";
  start("cloud-1", "cloud", "[http]\nport = " + std::to_string(http_port) + "\napi_token = \"" + token + "\"\n");
  Agent& fog = start("fog-1", "fog", filter_stage());
  start("edge-1", "edge", "");
  wait_ready({"cloud-1", "fog-1", "edge-1"});
  const std::string api = "http://127.0.0.1:" + std::to_string(http_port);
  adapters::HttpRequestOptions auth;
  auth.bearer_token = token;
  auto post = [&](const std::string& path, const std::string& body) {
    return adapters::http_post(api, path, body, "application/json", auth);
  };
  ASSERT_TRUE(eventually([&] {
    adapters::HttpResult nodes = adapters::http_get(api, "/api/nodes", auth);
    return nodes.ok && nodes.body.find("edge-1") != std::string::npos && nodes.body.find("\"filter\"") != std::string::npos;
  }));
  EXPECT_EQ(post("/api/stages/filter/move", "{}").status, 400);
  adapters::HttpResult unknown = post("/api/stages/filter/move", R"({"to":"ghost"})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("unknown node"), std::string::npos) << unknown.body;
  EXPECT_EQ(post("/api/stages/nope/move", R"({"to":"edge-1"})").status, 404);
  adapters::HttpResult moved = post("/api/stages/filter/move", R"({"to":"edge-1"})");
  ASSERT_EQ(moved.status, 200) << moved.body << moved.error;
  json result = json::parse(moved.body);
  EXPECT_EQ(result["from"], "fog-1");
  EXPECT_EQ(result["to"], "edge-1");
  EXPECT_TRUE(result["unavailable_ms"].is_number());
  EXPECT_EQ(stage_of(fog.stats(), "filter").state, "moved");
}

// [placement] (docs/migration.md "Placement"): fog-1 runs as a process and
// publishes snapshots; it is killed (SIGKILL: the broker sends its Will) and
// the cloud restarts its movable filter on edge-1 from the last snapshot,
// while its device-bound stage is reported down.
TEST_F(Migration, KilledNodesMovableStageIsReplacedAndDeviceBoundOneReportedDown) {
  start_probe();
  ASSERT_TRUE(probe_->subscribe(topics::all_placements(), 1));
  ASSERT_TRUE(probe_->subscribe(topics::all_stage_snapshots(), 1));
  ASSERT_TRUE(probe_->wait_subscribed(30000));
  start("cloud-1", "cloud", "[placement]\n");
  Agent& edge = start("edge-1", "edge", "");
  start("ref-1", "fog", filter_stage());
  const std::string fog_config = (dir_.path() / "fog-1.toml").string();
  {
    std::ofstream out(fog_config);
    out << node_toml("fog-1", "fog", dir_.path(), broker_.port(),
                     "[migration]\nsnapshot_every = \"100ms\"\n"
                     "[[devices]]\nname = \"field\"\nkind = \"simulated\"\nsensors = { soil-1 = 30.0 }\n" +
                         filter_stage() + "[[stages]]\nname = \"probe\"\nmodule = \"" + IRRIGATION_CONTROL_WASM +
                         "\"\ngrants = [\"config\", \"sensor:soil-1\", \"emit:readings\", \"emit:pump\"]\n"
                         "config = { sensors = \"soil-1\", low = 25, high = 35 }\ntick = \"1h\"\n");
  }
  testing::ChildProcess fog;
  ASSERT_TRUE(fog.start({CONTINUUM_BIN, "node", "--config", fog_config}, (dir_.path() / "fog-1.log").string()));
  wait_ready({"cloud-1", "edge-1", "fog-1", "ref-1"});
  adapters::MqttConfig pc;
  pc.port = broker_.port();
  adapters::MqttBus publisher(pc);
  ASSERT_TRUE(publisher.start());
  ASSERT_TRUE(publisher.wait_connected(30000));
  int token = 0;
  for (uint64_t seq = 0; seq < 50; ++seq)
    ASSERT_TRUE(publisher.publish(topics::data("gen", "src", "readings"), reading(seq), 1, false, &token));
  // Killed once a snapshot taken after all 50 went out (its next seq says so).
  ASSERT_TRUE(eventually([&] {
    for (const Message& m : probe_->messages()) {
      if (m.topic != topics::stage_snapshot("fog-1", "filter") || m.payload.empty()) continue;
      json doc = json::parse(m.payload);
      if (doc.value("next_seq", 0) >= 50 && doc.contains("snapshot")) return true;
    }
    return false;
  })) << "no snapshot after 50 readings";
  fog.kill_now();

  auto verdict = [&](const std::string& stage) {
    json found;
    for (const Message& m : probe_->messages())
      if (m.topic == topics::placement(stage) && !m.payload.empty()) found = json::parse(m.payload);
    return found;
  };
  ASSERT_TRUE(eventually([&] { return !verdict("filter").is_null() && !verdict("probe").is_null(); }));
  EXPECT_EQ(verdict("filter")["state"], "replaced") << verdict("filter").dump();
  EXPECT_EQ(verdict("filter")["node"], "edge-1");
  EXPECT_EQ(verdict("probe")["state"], "down") << verdict("probe").dump();
  EXPECT_NE(verdict("probe").value("reason", "").find("sensor:soil-1"), std::string::npos);
  EXPECT_EQ(stage_of(edge.stats(), "filter").state, "running");
  // It carries on from the snapshot under its stable identity, seq past the
  // gap, with the EMA where it was: the same output as the reference's.
  ASSERT_TRUE(publisher.publish(topics::data("gen", "src", "readings"), reading(50), 1, false, &token));
  ASSERT_TRUE(eventually([&] {
    return outputs_of("fog-1", "filtered").count(PlacementService::kSeqJump + 50) &&
           outputs_of("ref-1", "filtered").count(50);
  })) << broker_.log();
  EXPECT_EQ(outputs_of("fog-1", "filtered")[PlacementService::kSeqJump + 50], outputs_of("ref-1", "filtered")[50]);
  publisher.stop();
}

// Across restarts (docs/migration.md "Across restarts"): the filter moved
// fog-1 -> edge-1, then both nodes stop and start again with the same data
// dirs. The stage runs once, on edge-1, from the snapshot it saved at the
// stop; fog-1 reports it moved; the outputs continue exactly like the
// reference's (no seq missing or twice, the EMA where it was).
TEST_F(Migration, AMovedStageRunsOnceOnItsTargetAfterBothNodesRestart) {
  start_probe();
  const int http_port = testing::free_loopback_port();
  start("cloud-1", "cloud", "[http]\nport = " + std::to_string(http_port) + "\napi_token = \"restart-test-token-0123\"\n");
  start("fog-1", "fog", filter_stage());
  start("edge-1", "edge", "");
  start("ref-1", "fog", filter_stage());
  wait_ready({"fog-1", "edge-1", "ref-1"});
  publish_readings(0, 200);
  json there = move("fog-1", "edge-1", "move-r1");
  ASSERT_TRUE(there.value("ok", false)) << there.dump();
  publish_readings(200, 400);
  wait_filtered("fog-1", 400);
  Agent& fog = restart("fog-1", "fog", filter_stage());
  Agent& edge = restart("edge-1", "edge", "");
  EXPECT_EQ(stage_of(fog.stats(), "filter").state, "moved");
  EXPECT_EQ(stage_of(fog.stats(), "filter").moved_to, "edge-1");
  EXPECT_EQ(stage_of(edge.stats(), "filter").state, "running");
  EXPECT_EQ(stage_of(edge.stats(), "filter").publisher, "fog-1");
  // `continuum ls` (the cloud's fleet view, from the heartbeats) says so.
  testing::ProgramRun ls;
  EXPECT_TRUE(eventually([&] {
    ls = testing::run_program(CONTINUUM_BIN, {"ls", "--api", "http://127.0.0.1:" + std::to_string(http_port), "--token",
                                              "restart-test-token-0123"}, dir_.path());
    return ls.status == 0 && ls.out.find("moved to edge-1") != std::string::npos;
  })) << ls.out << ls.err;
  publish_readings(400, 600);
  expect_same_as_reference(600);
  EXPECT_EQ(stage_of(fog.stats(), "filter").delivered, 0u);
  EXPECT_EQ(stage_of(edge.stats(), "filter").delivered, 200u);
  EXPECT_TRUE(outputs_of("edge-1", "filtered").empty());
}

// A stage moved away and back clears its record: after a restart it runs
// on its own node again (its configured start, KV state kept), and the
// node it visited does not have it any more. Its seq carries on.
TEST_F(Migration, AStageMovedBackRunsOnItsOwnNodeAfterARestart) {
  start_probe();
  start("fog-1", "fog", filter_stage());
  start("edge-1", "edge", "");
  wait_ready({"fog-1", "edge-1"});
  publish_readings(0, 100);
  ASSERT_TRUE(move("fog-1", "edge-1", "move-b1").value("ok", false));
  publish_readings(100, 200);
  wait_filtered("fog-1", 200);
  ASSERT_TRUE(move("edge-1", "fog-1", "move-b2").value("ok", false));
  Agent& fog = restart("fog-1", "fog", filter_stage());
  Agent& edge = restart("edge-1", "edge", "");
  EXPECT_EQ(stage_of(fog.stats(), "filter").state, "running");
  for (const StageStats& s : edge.stats().stages) EXPECT_NE(s.name, "filter") << "edge-1 still has the stage";
  publish_readings(200, 300);
  wait_filtered("fog-1", 300);
  std::map<uint64_t, json> outputs = outputs_of("fog-1", "filtered");
  EXPECT_EQ(outputs.size(), 300u);
  EXPECT_EQ(outputs.rbegin()->first, 299u);  // 0..299, each once
  EXPECT_EQ(stage_of(fog.stats(), "filter").delivered, 100u);
}

// A node that dies (SIGKILL) with an adopted stage brings it back from its
// last periodic snapshot ([migration] snapshot_every): taken here after
// every reading so far was handled, so nothing is lost to its state and
// the outputs go on like the reference's.
TEST_F(Migration, AnAdoptedStageComesBackFromItsLastSnapshotAfterACrash) {
  start_probe();
  ASSERT_TRUE(probe_->subscribe(topics::all_stage_snapshots(), 1));
  ASSERT_TRUE(probe_->wait_subscribed(30000));
  start("fog-1", "fog", filter_stage());
  start("ref-1", "fog", filter_stage());
  const std::string edge_config = (dir_.path() / "edge-1.toml").string();
  {
    std::ofstream out(edge_config);
    out << node_toml("edge-1", "edge", dir_.path(), broker_.port(), "[migration]\nsnapshot_every = \"100ms\"\n");
  }
  auto edge = std::make_unique<testing::ChildProcess>();
  ASSERT_TRUE(edge->start({CONTINUUM_BIN, "node", "--config", edge_config}, (dir_.path() / "edge-1.log").string()));
  wait_ready({"fog-1", "edge-1", "ref-1"});
  publish_readings(0, 100);
  ASSERT_TRUE(move("fog-1", "edge-1", "move-c1").value("ok", false));
  publish_readings(100, 200);
  wait_filtered("fog-1", 200);
  // A snapshot taken after every reading was handled: none pending in it.
  const int64_t handled_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch()).count();
  ASSERT_TRUE(eventually([&] {
    for (const Message& m : probe_->messages()) {
      if (m.topic != topics::stage_snapshot("edge-1", "filter") || m.payload.empty()) continue;
      if (json::parse(m.payload).value("ts_ms", int64_t{0}) > handled_ms) return true;
    }
    return false;
  })) << "edge-1 took no snapshot after 200 readings";
  edge->kill_now();
  const int before = heartbeats_of("edge-1");
  edge = std::make_unique<testing::ChildProcess>();
  ASSERT_TRUE(edge->start({CONTINUUM_BIN, "node", "--config", edge_config}, (dir_.path() / "edge-1.log2").string()));
  ASSERT_TRUE(eventually([&] { return heartbeats_of("edge-1") >= before + 2; })) << "edge-1 did not come back";
  publish_readings(200, 300);
  expect_same_as_reference(300);
  std::ifstream log(dir_.path() / "edge-1.log2");
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("back from its last periodic snapshot"), std::string::npos) << text;
}

// An explicit rollback during probation (docs/ota.md, "Rollback") hands the
// new version's state back to the previous one: updated and rolled back
// between readings, the filter publishes exactly what the reference does.
TEST_F(Migration, AnExplicitRollbackDuringProbationKeepsTheStagesState) {
  start_probe();
  Agent& fog = start("fog-1", "fog", "[update]\nhealth_messages = 1000000\nhealth_window = \"1h\"\n" + filter_stage());
  start("ref-1", "fog", filter_stage());
  wait_ready({"fog-1", "ref-1"});
  publish_readings(0, 150);
  const std::filesystem::path v2 = dir_.path() / "soil-filter-v2.wasm";
  std::filesystem::copy_file(SOIL_FILTER_WASM, v2);
  test::Requester requester(broker_.port(), "fog-1");
  ASSERT_TRUE(requester.start());
  json updated = requester.call("update-1", "stage.update", {{"stage", "filter"}, {"module", v2.string()}});
  ASSERT_TRUE(updated.value("ok", false)) << updated.dump();
  EXPECT_EQ(updated["result"]["update"], "probation");
  publish_readings(150, 300);
  wait_filtered("fog-1", 300);  // handled by the new version, on probation
  json back = requester.call("rollback-1", "stage.rollback", {{"stage", "filter"}});
  ASSERT_TRUE(back.value("ok", false)) << back.dump();
  EXPECT_EQ(back["result"]["rollback"], "probation ended");
  EXPECT_EQ(back["result"]["handover"], "state-hooks");
  EXPECT_EQ(back["result"]["module"], SOIL_FILTER_WASM);
  publish_readings(300, 450);
  expect_same_as_reference(450);
  EXPECT_EQ(stage_of(fog.stats(), "filter").rollbacks, 1u);
}

}  // namespace
}  // namespace continuum::node::agent
