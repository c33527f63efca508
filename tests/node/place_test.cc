// Placing new stages by their constraints, end to end (docs/migration.md
// "Placement", docs/ota.md "A new stage"): a real mosquitto, `continuum node`
// processes (a cloud with [registry] and [http], an edge node with the field's
// devices, another edge node and a fog node without any) and `continuum
// deploy MODULE --stage NAME` of stages no node runs yet. A stage whose grants
// name the field's sensors lands on the node that has them, a fog stage on
// the fog node, and both run (their outputs arrive); what fits nowhere, or on
// a --to node lacking a device, is refused with every node's reason.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>

#include "continuum/adapters/ed25519_keys.h"
#include "continuum/adapters/openssl_crypto.h"
#include "continuum/node/topics.h"
#include "continuum/ota/signature.h"
#include "support/mqtt_probe.h"
#include "support/node_processes.h"
#include "support/poll.h"
#include "support/run_program.h"
#include "support/server_process.h"

namespace continuum::node::agent {
namespace {

using nlohmann::json;
using testing::eventually;
constexpr std::chrono::milliseconds kLongMs{60000};  // generous: a loaded 2-core machine

using continuum::testing::read_file;

class PlaceNewStage : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string key_id;
    ASSERT_TRUE(adapters::generate_ed25519_key_pair(key_path(), crypto_, &key_id));
    ASSERT_TRUE(broker_.start()) << broker_.log();
    probe_ = std::make_unique<testing::MqttProbe>(broker_.port());
    ASSERT_TRUE(probe_->start());
    ASSERT_TRUE(probe_->subscribe(topics::data("+", "+", "+"), 1));
    ASSERT_TRUE(probe_->wait_subscribed(30000));
    control_ = write_signed(IRRIGATION_CONTROL_WASM, "irrigation-control");
    filter_ = write_signed(SOIL_FILTER_WASM, "soil-filter");
    const int http_port = testing::free_loopback_port();
    api_ = "http://127.0.0.1:" + std::to_string(http_port);
    const std::string trust = "[trust]\nkeys = \"" + key_path() + ".pub\"\n";
    start_node("cloud-1", "cloud",
               "[http]\nport = " + std::to_string(http_port) + "\n[registry]\ntrust = \"" + key_path() + ".pub\"\n");
    start_node("edge-1", "edge",
               trust + "[[devices]]\nname = \"field\"\nkind = \"simulated\"\n"
                       "sensors = { soil-1 = 30.0, soil-2 = 32.0 }\nactuators = [\"pump-1\"]\n");
    start_node("edge-2", "edge", trust);
    start_node("fog-1", "fog", trust);
    // The cloud's fleet view has every node's heartbeat (the engine comes with it).
    ASSERT_TRUE(eventually(
        [&] {
          json j = json::parse(cli({"ls", "--json"}).out, nullptr, false);
          int with_heartbeat = 0;
          for (const json& n : j.is_object() ? j.value("nodes", json::array()) : json::array())
            with_heartbeat += !n.value("engine", std::string()).empty();
          return with_heartbeat == 4;
        },
        kLongMs))
        << cli({"ls"}).out << logs();
  }
  void TearDown() override {
    probe_->stop();
    nodes_.stop_all();
  }
  std::string key_path() { return (dir_.path() / "release").string(); }
  std::string write_signed(const std::string& module, const std::string& name) {
    std::string error;
    auto signer = adapters::Ed25519Signer::load(key_path(), crypto_, &error);
    EXPECT_TRUE(signer) << error;
    std::optional<std::string> out =
        signer ? ota::sign_module(read_file(module), name, "1.0.0", *signer, crypto_, &error) : std::nullopt;
    EXPECT_TRUE(out) << error;
    std::string path = (dir_.path() / (name + ".wasm")).string();
    std::ofstream(path, std::ios::binary) << out.value_or("");
    return path;
  }
  void start_node(const std::string& id, const std::string& tier, const std::string& sections) {
    ASSERT_TRUE(nodes_.start(id, broker_.port(), sections, "tier = \"" + tier + "\"\n"));
  }
  std::string logs() { return nodes_.logs(); }
  testing::ProgramRun cli(std::vector<std::string> args) { return nodes_.cli(std::move(args), api_, "cloud-1"); }
  // Messages on ctm/v1/data/NODE/STAGE/PORT so far.
  std::size_t outputs(const std::string& node, const std::string& stage, const std::string& port) {
    std::size_t n = 0;
    for (const Message& m : probe_->messages()) n += m.topic == topics::data(node, stage, port);
    return n;
  }
  // STAGE's row in `continuum ls --json` ({} when not listed).
  json ls_row(const std::string& stage) {
    json j = json::parse(cli({"ls", "--json"}).out, nullptr, false);
    for (const json& s : j.is_object() ? j.value("stages", json::array()) : json::array())
      if (s.value("stage", "") == stage) return s;
    return json::object();
  }

  adapters::OpenSslCrypto crypto_;
  testing::TempDir dir_;
  testing::MosquittoServer broker_;
  std::unique_ptr<testing::MqttProbe> probe_;
  testing::NodeProcesses nodes_{CONTINUUM_BIN, dir_.path()};
  std::string api_, control_, filter_;
};

const std::vector<std::string> kControlGrants = {"--grant", "config",        "--grant", "sensor:soil-1",
                                                 "--grant", "sensor:soil-2", "--grant", "actuator:pump-1",
                                                 "--grant", "emit:readings", "--grant", "emit:pump"};

// Whether a line of OUT starts with PREFIX and contains TEXT.
bool has_line(const std::string& out, const std::string& prefix, const std::string& text) {
  std::size_t start = 0;
  while (start < out.size()) {
    std::size_t end = out.find('\n', start);
    std::string line = out.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (line.rfind(prefix, 0) == 0 && line.find(text) != std::string::npos) return true;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return false;
}

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST_F(PlaceNewStage, DeviceGrantsAndTierDecideTheNodeAndThePlacedStagesRun) {
  // The field's controller needs the field's sensors: only edge-1 has them.
  testing::ProgramRun control =
      cli(std::vector<std::string>{"deploy", control_, "--stage", "control", "--tick", "200ms", "--config",
                                   R"({"sensors":"soil-1,soil-2","low":25,"high":35})"} +
          kControlGrants);
  ASSERT_EQ(control.status, 0) << control.out << control.err << logs();
  EXPECT_NE(control.out.find("placed stage control on node edge-1"), std::string::npos) << control.out;
  EXPECT_TRUE(has_line(control.out, "  fog-1 ", "left out: lacks device sensor:soil-1")) << control.out;
  EXPECT_TRUE(has_line(control.out, "  cloud-1 ", "left out: lacks device sensor:soil-1")) << control.out;
  EXPECT_NE(control.out.find("stage control runs on node edge-1"), std::string::npos) << control.out;

  // The soil filter, fog tier preferred, fed by the controller's readings.
  testing::ProgramRun filter = cli({"deploy", filter_, "--stage", "filter", "--tier", "fog", "--input",
                                    "readings=edge-1/control/readings", "--grant", "config", "--grant",
                                    "emit:filtered", "--grant", "emit:aggregate"});
  ASSERT_EQ(filter.status, 0) << filter.out << filter.err << logs();
  EXPECT_NE(filter.out.find("placed stage filter on node fog-1"), std::string::npos) << filter.out;

  // Both run: the controller's readings and the filter's outputs arrive,
  // published under the nodes they were placed on.
  EXPECT_TRUE(eventually([&] { return outputs("edge-1", "control", "readings") >= 5; }, kLongMs)) << logs();
  EXPECT_TRUE(eventually([&] { return outputs("fog-1", "filter", "filtered") >= 5; }, kLongMs)) << logs();
  // `continuum ls` says where each runs, which version, and that it runs.
  json row = ls_row("control");
  EXPECT_EQ(row.value("node", ""), "edge-1") << row;
  EXPECT_EQ(row.value("module", ""), "irrigation-control") << row;
  EXPECT_EQ(row.value("version", ""), "1.0.0") << row;
  EXPECT_EQ(row.value("state", ""), "running") << row;
  row = ls_row("filter");
  EXPECT_EQ(row.value("node", ""), "fog-1") << row;
  EXPECT_EQ(row.value("module", ""), "soil-filter") << row;

  // A restart of edge-1 brings the placed stage back (it is recorded like a
  // stage adopted by a move) and it runs again: new readings arrive (a few
  // more than a delivery still in flight at the stop could account for).
  ASSERT_TRUE(nodes_.restart("edge-1"));
  const std::size_t before_restart = outputs("edge-1", "control", "readings");
  EXPECT_TRUE(eventually([&] { return outputs("edge-1", "control", "readings") >= before_restart + 20; }, kLongMs))
      << logs();

  // A stage that runs already is updated by deploy, not placed again.
  testing::ProgramRun again = cli({"deploy", filter_, "--stage", "filter", "--tier", "edge"});
  EXPECT_EQ(again.status, 1) << again.out << again.err;
  EXPECT_NE(again.err.find("stage filter already runs on node fog-1: to update it, deploy without the options of a new stage"), std::string::npos) << again.err;
}

TEST_F(PlaceNewStage, WhatFitsNowhereIsRefusedWithEveryNodesReason) {
  // More memory than any node has free.
  testing::ProgramRun big = cli({"deploy", filter_, "--stage", "big", "--memory", "1000GiB"});
  EXPECT_EQ(big.status, 1) << big.out << big.err;
  EXPECT_NE(big.err.find("no node can run stage big: "), std::string::npos) << big.err;
  for (const char* node : {"cloud-1", "edge-1", "edge-2", "fog-1"})
    EXPECT_NE(big.err.find(std::string(node) + ": not enough memory (needs 1024000 MiB"), std::string::npos)
        << node << ": " << big.err;

  // Less memory than the module's own linear memory starts with: no node could load it.
  testing::ProgramRun tiny = cli({"deploy", filter_, "--stage", "tiny", "--memory", "1KiB"});
  EXPECT_EQ(tiny.status, 1) << tiny.out << tiny.err;
  EXPECT_NE(tiny.err.find("memory_bytes 1024 is less than module soil-filter's initial linear memory"),
            std::string::npos)
      << tiny.err;

  // --to a node without the device a grant names.
  testing::ProgramRun to = cli(std::vector<std::string>{"deploy", control_, "--stage", "control", "--to", "fog-1",
                                                        "--tick", "200ms"} +
                               kControlGrants);
  EXPECT_EQ(to.status, 1) << to.out << to.err;
  EXPECT_NE(to.err.find("HTTP 409: node fog-1 cannot run stage control: lacks device sensor:soil-1"), std::string::npos)
      << to.err;

  // A required tier no node has.
  testing::ProgramRun tier = cli({"deploy", filter_, "--stage", "filter", "--tier", "gateway", "--tier-required"});
  EXPECT_EQ(tier.status, 1) << tier.out << tier.err;
  EXPECT_NE(tier.err.find("edge-2: wrong tier (edge; needs gateway)"), std::string::npos) << tier.err;

  // Usage errors are named before anything is uploaded.
  testing::ProgramRun bad = cli({"deploy", filter_, "--stage", "filter", "--input", "readings"});
  EXPECT_EQ(bad.status, 2) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("error: --input readings: expected PORT=NODE/STAGE/PORT"), std::string::npos) << bad.err;
  EXPECT_EQ(bad.out.find("uploaded"), std::string::npos) << bad.out;

  // Nothing was placed anywhere.
  for (const char* stage : {"big", "tiny", "control", "filter"}) EXPECT_EQ(ls_row(stage), json::object()) << stage;
}

}  // namespace
}  // namespace continuum::node::agent
