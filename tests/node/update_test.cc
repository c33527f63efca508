// Hot swap of a stage's module (stage.update, docs/ota.md "Hot swap") on a
// real mosquitto: the swap happens between two messages without losing one,
// the new version is confirmed after its probation, and a new version that
// traps is rolled back by itself while the old one keeps serving every
// message (the one the new version failed on included).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>

#include "continuum/adapters/ed25519_keys.h"
#include "continuum/adapters/mqtt_bus.h"
#include "continuum/adapters/openssl_crypto.h"
#include "continuum/node/agent/agent.h"
#include "continuum/node/topics.h"
#include "node_test_support.h"
#include "support/server_process.h"

namespace continuum::node::agent {
namespace {

using nlohmann::json;
using test::eventually;
using test::parse_config;
using test::stage_of;

std::string envelope(uint64_t seq) {
  return "{\"node\":\"gen\",\"stage\":\"src\",\"seq\":" + std::to_string(seq) +
         ",\"ts\":1763712000000,\"values\":{\"sensor\":\"soil-1\",\"t_ms\":" + std::to_string(1763712000000 + seq) +
         ",\"value\":30.5,\"status\":\"ok\"}}";
}

// Everything a node published on its heartbeat and OTA status topics.
class NodeWatch {
 public:
  NodeWatch(int port, const std::string& node) {
    adapters::MqttConfig c;
    c.port = port;
    bus_ = std::make_unique<adapters::MqttBus>(c);
    bus_->set_message_handler([this, node](const Message& m) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (m.topic == topics::heartbeat(node)) ++heartbeats_;
      else statuses_.push_back(json::parse(m.payload, nullptr, false));
    });
    started_ = bus_->start() && bus_->subscribe(topics::heartbeat(node), 0) &&
               bus_->subscribe(topics::ota_status(node), 1) && bus_->wait_subscribed(30000);
  }
  ~NodeWatch() {
    bus_->set_message_handler({});
    bus_->stop();
  }
  bool started() const { return started_; }
  int heartbeats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return heartbeats_;
  }
  std::vector<std::string> states() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    for (const json& s : statuses_) out.push_back(s.value("state", "?"));
    return out;
  }
  json last_status() {
    std::lock_guard<std::mutex> lock(mutex_);
    return statuses_.empty() ? json() : statuses_.back();
  }

 private:
  std::unique_ptr<adapters::MqttBus> bus_;
  std::mutex mutex_;
  int heartbeats_ = 0;
  std::vector<json> statuses_;
  bool started_ = false;
};

class NodeStageUpdate : public ::testing::Test {
 protected:
  void SetUp() override { start_node(""); }
  void start_node(const std::string& extra,
                  const std::string& probation = "health_messages = 10\nhealth_window = \"1h\"\n") {
    ASSERT_TRUE(broker_.start()) << broker_.log();
    watch_ = std::make_unique<NodeWatch>(broker_.port(), "fog-9");
    ASSERT_TRUE(watch_->started());
    std::string text = "[node]\nid = \"fog-9\"\ndata_dir = \"" + dir_.path().string() +
                       "\"\nheartbeat = \"50ms\"\n[mqtt]\nport = " + std::to_string(broker_.port()) +
                       "\n[update]\n" + probation +
                       "[[stages]]\nname = \"filter\"\nmodule = \"" + SOIL_FILTER_WASM +
                       "\"\ngrants = [\"config\", \"emit:filtered\", \"emit:aggregate\"]\n"
                       "inputs = { readings = \"gen/src/readings\" }\nqueue = 10000\npublish = false\n" + extra;
    std::string error;
    agent_ = Agent::start(parse_config(text), &error);
    ASSERT_TRUE(agent_) << error;
    // Subscribed once heartbeats come (sent after the subscriptions).
    ASSERT_TRUE(eventually([&] { return watch_->heartbeats() >= 2; })) << broker_.log();
    requester_ = std::make_unique<test::Requester>(broker_.port(), "fog-9");
    ASSERT_TRUE(requester_->start());
    adapters::MqttConfig pc;
    pc.port = broker_.port();
    publisher_ = std::make_unique<adapters::MqttBus>(pc);
    ASSERT_TRUE(publisher_->start());
    ASSERT_TRUE(publisher_->wait_connected(30000));
  }
  void TearDown() override {
    if (publisher_) publisher_->stop();
    if (agent_) agent_->stop();
  }
  void publish(uint64_t from, uint64_t count) {
    int token = 0;
    for (uint64_t i = from; i < from + count; ++i)
      ASSERT_TRUE(publisher_->publish(topics::data("gen", "src", "readings"), envelope(i), 1, false, &token));
  }
  StageStats filter() { return stage_of(agent_->stats(), "filter"); }
  // A copy of a module at another path: what an OTA download leaves on the node.
  std::string copy_of(const char* module, const std::string& name) {
    std::filesystem::path to = dir_.path() / name;
    std::filesystem::copy_file(module, to);
    return to.string();
  }

  testing::MosquittoServer broker_;
  testing::TempDir dir_;
  std::unique_ptr<NodeWatch> watch_;
  std::unique_ptr<Agent> agent_;
  std::unique_ptr<test::Requester> requester_;
  std::unique_ptr<adapters::MqttBus> publisher_;
};

TEST_F(NodeStageUpdate, SwapsBetweenTwoMessagesWithoutLosingOneAndConfirmsAfterProbation) {
  const std::string v2 = copy_of(SOIL_FILTER_WASM, "soil-filter-v2.wasm");
  publish(0, 150);  // still being delivered while the update runs
  json reply = requester_->call("u-1", "stage.update", {{"stage", "filter"}, {"module", v2}});
  ASSERT_TRUE(reply.value("ok", false)) << reply;
  EXPECT_EQ(reply["result"]["module"], v2);
  EXPECT_EQ(reply["result"]["update"], "probation");
  EXPECT_EQ(reply["result"]["health_messages"], 10);
  EXPECT_TRUE(reply["result"]["handover"] == "state-hooks" || reply["result"]["handover"] == "kv-only") << reply;
  publish(150, 150);
  ASSERT_TRUE(eventually([&] { return filter().delivered >= 300; })) << filter().delivered;
  ASSERT_TRUE(eventually([&] { return watch_->last_status().value("state", "") == "running"; }))
      << watch_->last_status();
  StageStats s = filter();
  EXPECT_EQ(s.delivered, 300u);
  EXPECT_EQ(s.emitted, 300u);  // soil-filter: one filtered sample per reading, old and new version
  EXPECT_EQ(s.rollbacks, 0u);
  EXPECT_EQ(s.traps, 0u);
  EXPECT_EQ(watch_->last_status()["module"], v2);
  EXPECT_EQ(watch_->states(), (std::vector<std::string>{"installing", "running"}));
}

TEST_F(NodeStageUpdate, ANewVersionThatTrapsIsRolledBackAndTheOldOneServesEveryMessage) {
  const std::string bad = copy_of(TRAP_WASM, "traps.wasm");
  publish(0, 20);
  ASSERT_TRUE(eventually([&] { return filter().delivered >= 20; }));
  json reply = requester_->call("u-2", "stage.update", {{"stage", "filter"}, {"module", bad}});
  ASSERT_TRUE(reply.value("ok", false)) << reply;  // it loads and initialises fine
  publish(20, 40);
  ASSERT_TRUE(eventually([&] { return watch_->last_status().value("state", "") == "rolled-back"; }))
      << watch_->last_status();
  ASSERT_TRUE(eventually([&] { return filter().emitted >= 60; })) << filter().emitted;
  StageStats s = filter();
  EXPECT_EQ(s.emitted, 60u);    // every message handled by the old version, none lost
  EXPECT_EQ(s.delivered, 61u);  // the one the new version trapped on was delivered again
  EXPECT_EQ(s.rollbacks, 1u);
  EXPECT_EQ(s.state, "running");
  json status = watch_->last_status();
  EXPECT_EQ(status["module"], bad);
  EXPECT_NE(status.value("reason", "").find("trapped"), std::string::npos) << status;
  // The stage is not on probation any more: another update is accepted.
  json again = requester_->call("u-3", "stage.update",
                                {{"stage", "filter"}, {"module", copy_of(SOIL_FILTER_WASM, "v3.wasm")}});
  EXPECT_TRUE(again.value("ok", false)) << again;
}

TEST_F(NodeStageUpdate, AModuleThatCannotBeLoadedIsRefusedAndTheOldOneKeepsServing) {
  json reply = requester_->call("u-4", "stage.update",
                                {{"stage", "filter"}, {"module", (dir_.path() / "missing.wasm").string()}});
  EXPECT_FALSE(reply.value("ok", true)) << reply;
  EXPECT_NE(reply.value("error", "").find("cannot load"), std::string::npos) << reply;
  publish(0, 10);
  ASSERT_TRUE(eventually([&] { return filter().emitted >= 10; }));
  EXPECT_EQ(watch_->last_status().value("state", ""), "failed");
}

// Probation longer than the new version's good start: it handles 10
// messages, traps on the 11th and is rolled back by itself; the reason is
// kept (rollbacks.json, heartbeat last_rollback) and no message is lost.
class NodeStageUpdateLongProbation : public NodeStageUpdate {
 protected:
  void SetUp() override { start_node("", "health_messages = 50\nhealth_window = \"1h\"\n"); }
};

TEST_F(NodeStageUpdateLongProbation, AModuleThatFailsAfterTenMessagesIsRolledBack) {
  publish(0, 20);
  ASSERT_TRUE(eventually([&] { return filter().emitted >= 20; }));
  json reply = requester_->call("l-1", "stage.update",
                                {{"stage", "filter"}, {"module", copy_of(TRAP_AFTER_10_WASM, "fails-later.wasm")}});
  ASSERT_TRUE(reply.value("ok", false)) << reply;
  publish(20, 30);
  ASSERT_TRUE(eventually([&] { return watch_->last_status().value("state", "") == "rolled-back"; }))
      << watch_->last_status();
  // 10 handled by the new version (it emits nothing), the 11th trapped and
  // went to the old one again, with the 9 after it.
  ASSERT_TRUE(eventually([&] { return filter().delivered >= 51; })) << filter().delivered;
  StageStats s = filter();
  EXPECT_EQ(s.delivered, 51u);
  EXPECT_EQ(s.emitted, 40u);
  EXPECT_EQ(s.rollbacks, 1u);
  EXPECT_EQ(s.state, "running");
  EXPECT_NE(s.last_rollback.find("trapped"), std::string::npos) << s.last_rollback;
  json kept = json::parse(std::ifstream(dir_.path() / "modules" / "filter" / "rollbacks.json"), nullptr, false);
  ASSERT_TRUE(kept.is_array() && kept.size() == 1) << kept;
  EXPECT_EQ(kept[0].value("kind", ""), "probation");
  EXPECT_NE(kept[0].value("reason", "").find("trapped"), std::string::npos) << kept;
}

// Probation also ends when health_window passed, with fewer messages.
class NodeStageUpdateWindow : public NodeStageUpdate {
 protected:
  void SetUp() override { start_node("", "health_messages = 1000000\nhealth_window = \"300ms\"\n"); }
};

TEST_F(NodeStageUpdateWindow, ConfirmsWhenTheHealthWindowPassed) {
  json reply = requester_->call("w-1", "stage.update",
                                {{"stage", "filter"}, {"module", copy_of(SOIL_FILTER_WASM, "v2.wasm")}});
  ASSERT_TRUE(reply.value("ok", false)) << reply;
  EXPECT_EQ(reply["result"]["health_window_ms"], 300);
  publish(0, 5);
  ASSERT_TRUE(eventually([&] { return watch_->last_status().value("state", "") == "running"; }))
      << watch_->last_status();
  ASSERT_TRUE(eventually([&] { return filter().emitted >= 5; }));
  EXPECT_EQ(filter().rollbacks, 0u);
}

// With [trust]: only modules signed by a trusted key, of the same name, and
// newer unless allow_downgrade.
class NodeSignedStageUpdate : public NodeStageUpdate {
 protected:
  void SetUp() override {
    std::string key_id;
    ASSERT_TRUE(adapters::generate_ed25519_key_pair(key_path("trusted"), crypto_, &key_id));
    ASSERT_TRUE(adapters::generate_ed25519_key_pair(key_path("stranger"), crypto_, &key_id));
    start_node("[trust]\nkeys = \"" + key_path("trusted") + ".pub\"\n");
  }
  std::string key_path(const std::string& name) { return (keys_.path() / name).string(); }
  // soil-filter signed as NAME VERSION by KEY, written next to the node.
  std::string signed_module(const std::string& name, const std::string& version, const std::string& key) {
    std::string error;
    std::unique_ptr<adapters::Ed25519Signer> signer = adapters::Ed25519Signer::load(key_path(key), crypto_, &error);
    EXPECT_TRUE(signer) << error;
    if (!signer) return "";
    std::ifstream in(SOIL_FILTER_WASM, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::optional<std::string> out = ota::sign_module(bytes, name, version, *signer, crypto_, &error);
    EXPECT_TRUE(out) << error;
    std::string path = (dir_.path() / (name + "-" + version + "-" + key + ".wasm")).string();
    std::ofstream(path, std::ios::binary) << out.value_or("");
    return path;
  }
  json update(const std::string& id, const std::string& module, bool allow_downgrade = false) {
    json args = {{"stage", "filter"}, {"module", module}};
    if (allow_downgrade) args["allow_downgrade"] = true;
    return requester_->call(id, "stage.update", args);
  }

  adapters::OpenSslCrypto crypto_;
  testing::TempDir keys_;
};

TEST_F(NodeSignedStageUpdate, TakesOnlyTrustedNewerModulesOfTheSameName) {
  json unsigned_reply = update("s-1", copy_of(SOIL_FILTER_WASM, "unsigned.wasm"));
  EXPECT_FALSE(unsigned_reply.value("ok", true)) << unsigned_reply;
  EXPECT_NE(unsigned_reply.value("error", "").find("signature"), std::string::npos) << unsigned_reply;
  json stranger = update("s-2", signed_module("soil-filter", "1.1.0", "stranger"));
  EXPECT_FALSE(stranger.value("ok", true)) << stranger;
  EXPECT_NE(stranger.value("error", "").find("signature"), std::string::npos) << stranger;
  EXPECT_EQ(watch_->last_status().value("state", ""), "failed");

  json v110 = update("s-3", signed_module("soil-filter", "1.1.0", "trusted"));
  ASSERT_TRUE(v110.value("ok", false)) << v110;
  EXPECT_EQ(v110["result"]["version"], "1.1.0");
  publish(0, 10);  // the probation's 10 messages
  ASSERT_TRUE(eventually([&] { return watch_->last_status().value("state", "") == "running"; }))
      << watch_->last_status();

  json renamed = update("s-4", signed_module("other-module", "2.0.0", "trusted"));
  EXPECT_FALSE(renamed.value("ok", true)) << renamed;
  EXPECT_NE(renamed.value("error", "").find("not the module the stage runs"), std::string::npos) << renamed;
  const std::string v100 = signed_module("soil-filter", "1.0.0", "trusted");
  json downgrade = update("s-5", v100);
  EXPECT_FALSE(downgrade.value("ok", true)) << downgrade;
  json same = update("s-6", signed_module("soil-filter", "1.1.0", "trusted"));
  EXPECT_FALSE(same.value("ok", true)) << same;
  json rollback = update("s-7", v100, /*allow_downgrade=*/true);
  ASSERT_TRUE(rollback.value("ok", false)) << rollback;
  EXPECT_EQ(rollback["result"]["version"], "1.0.0");
  publish(10, 10);
  ASSERT_TRUE(eventually([&] { return filter().emitted >= 20; }));
  EXPECT_EQ(filter().emitted, 20u);
}

TEST(NodeTrustConfig, AnUnreadableTrustStoreIsAStartError) {
  testing::TempDir dir;
  std::string text = "[node]\nid = \"n\"\ndata_dir = \"" + dir.path().string() + "\"\n[trust]\nkeys = \"" +
                     (dir.path() / "nothing.pub").string() + "\"\n";
  std::string error;
  EXPECT_FALSE(Agent::start(parse_config(text), &error));
  EXPECT_NE(error.find("trust.keys: "), std::string::npos) << error;
  std::string without_keys = "[node]\nid = \"n\"\ndata_dir = \"" + dir.path().string() + "\"\n[trust]\n";
  std::optional<NodeConfig> c = parse_node_config(without_keys, "n.toml", "/", process_environment(), &error);
  EXPECT_FALSE(c);
  EXPECT_NE(error.find("trust.keys"), std::string::npos) << error;
}

}  // namespace
}  // namespace continuum::node::agent
