// The node agent with real modules and a real mosquitto: in-process wiring,
// edge -> broker -> cloud ingest into SQLite, the supervisor restarting a
// trapping stage with backoff, and SIGTERM through the CLI.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include "continuum/adapters/mqtt_bus.h"
#include "continuum/adapters/sqlite_reading_store.h"
#include "continuum/node/agent/agent.h"
#include "continuum/node/topics.h"
#include "node_test_support.h"
#include "support/mqtt_probe.h"
#include "support/run_program.h"
#include "support/server_process.h"

namespace continuum::node::agent {
namespace {

using namespace std::chrono_literals;

using test::eventually;
using test::parse_config;
using test::stage_of;

// The edge's control stage: irrigation-control on simulated probes, ticking fast.
std::string control_stage(const std::string& extra = "") {
  return testing::simulated_field_control(IRRIGATION_CONTROL_WASM, "20ms", extra);
}

TEST(NodeAgent, WiresStagesInProcess) {
  testing::TempDir dir;
  std::string text = "[node]\nid = \"edge-1\"\ndata_dir = \"" + dir.path().string() + "\"\n" + control_stage() +
                     R"(
[[stages]]
name = "filter"
module = ")" + SOIL_FILTER_WASM + R"("
grants = ["config", "emit:filtered", "emit:aggregate"]
inputs = { readings = "control.readings" }
)";
  std::string error;
  std::unique_ptr<Agent> agent = Agent::start(parse_config(text), &error);
  ASSERT_TRUE(agent) << error;
  // soil-filter emits one "filtered" message per reading it receives.
  ASSERT_TRUE(eventually([&] { return stage_of(agent->stats(), "filter").emitted >= 6; }));
  AgentStats s = agent->stats();
  EXPECT_GE(stage_of(s, "filter").delivered, 6u);
  EXPECT_GE(stage_of(s, "control").ticks, 3u);
  EXPECT_EQ(stage_of(s, "filter").traps, 0u);
  agent->stop();
  // The sequence number is persisted per stage: a new agent on the same
  // data_dir continues where the last one stopped (ingest dedups by seq).
  uint64_t first_run = stage_of(agent->stats(), "control").emitted;
  auto stored_next = [&] {
    std::ifstream seq(dir.path() / "seq" / "control");
    uint64_t next = 0;
    seq >> next;
    return next;
  };
  EXPECT_EQ(stored_next(), first_run);
  agent = Agent::start(parse_config(text), &error);
  ASSERT_TRUE(agent) << error;
  ASSERT_TRUE(eventually([&] { return stage_of(agent->stats(), "control").emitted >= 3; }));
  agent->stop();
  EXPECT_EQ(stored_next(), first_run + stage_of(agent->stats(), "control").emitted);
}

TEST(NodeAgent, KvStateSurvivesARestartOfTheNode) {
  testing::TempDir dir;
  std::string text = "[node]\nid = \"edge-1\"\ndata_dir = \"" + dir.path().string() + "\"\n" +
                     "[[stages]]\nname = \"counter\"\nmodule = \"" + KV_WASM + "\"\ngrants = [\"kv\"]\ntick = \"5ms\"\n";
  auto stored_count = [&] {
    std::ifstream in(dir.path() / "kv" / "counter", std::ios::binary);
    unsigned char b[4 + 1 + 4 + 4] = {};
    in.read(reinterpret_cast<char*>(b), sizeof b);  // key length, "n", value length, value
    EXPECT_EQ(b[4], 'n');
    return uint32_t(b[9]) | uint32_t(b[10]) << 8 | uint32_t(b[11]) << 16 | uint32_t(b[12]) << 24;
  };
  uint64_t total_ticks = 0;
  for (int run = 0; run < 2; ++run) {
    std::string error;
    std::unique_ptr<Agent> agent = Agent::start(parse_config(text), &error);
    ASSERT_TRUE(agent) << error;
    ASSERT_TRUE(eventually([&] { return agent->stats().stages[0].ticks >= 5; }));
    agent->stop();
    total_ticks += agent->stats().stages[0].ticks;
    // The second run's count continues from the first run's state.
    EXPECT_EQ(stored_count(), total_ticks) << "run " << run;
  }
}

TEST(NodeAgent, TrappingStageIsRestartedWithBackoffWhileOthersServe) {
  testing::TempDir dir;
  std::string text = "[node]\nid = \"edge-1\"\ndata_dir = \"" + dir.path().string() + "\"\n" +
                     "[supervisor]\nbackoff_min = \"20ms\"\nbackoff_max = \"160ms\"\n" + control_stage() + R"(
[[stages]]
name = "bad"
module = ")" + TRAP_WASM + R"("
inputs = { readings = "control.readings" }
)";
  std::string error;
  std::unique_ptr<Agent> agent = Agent::start(parse_config(text), &error);
  ASSERT_TRUE(agent) << error;
  ASSERT_TRUE(eventually([&] { return stage_of(agent->stats(), "bad").traps >= 5; }));
  uint64_t emitted_before = stage_of(agent->stats(), "control").emitted;
  std::this_thread::sleep_for(300ms);
  AgentStats s = agent->stats();
  const StageStats bad = stage_of(s, "bad");
  EXPECT_GE(bad.restarts, 4u);
  // Consecutive failures double the delay up to the maximum.
  EXPECT_EQ(bad.backoff_ms, 160);
  EXPECT_GT(stage_of(s, "control").emitted, emitted_before);  // the node keeps serving
  EXPECT_EQ(stage_of(s, "control").traps, 0u);
}

TEST(NodeAgent, EdgeReadingsReachCloudStorageOverMqtt) {
  testing::MosquittoServer broker;
  ASSERT_TRUE(broker.start()) << broker.log();
  testing::TempDir edge_dir, cloud_dir;
  std::string mqtt = "[mqtt]\nport = " + std::to_string(broker.port()) + "\n";
  std::string cloud_text = "[node]\nid = \"cloud-1\"\ntier = \"cloud\"\ndata_dir = \"" + cloud_dir.path().string() +
                           "\"\n" + mqtt + "[ingest]\nbackend = \"sqlite\"\n";
  std::string edge_text = "[node]\nid = \"edge-1\"\ndata_dir = \"" + edge_dir.path().string() +
                          "\"\nheartbeat = \"100ms\"\n" + mqtt + control_stage("publish = [\"readings\"]\n");
  std::string error;
  std::unique_ptr<Agent> cloud = Agent::start(parse_config(cloud_text), &error);
  ASSERT_TRUE(cloud) << error;
  ASSERT_TRUE(eventually([&] { return cloud->stats().connected; }));
  testing::MqttProbe watcher(broker.port());
  ASSERT_TRUE(watcher.start());
  ASSERT_TRUE(watcher.subscribe(topics::heartbeat("edge-1"), 0));
  std::unique_ptr<Agent> edge = Agent::start(parse_config(edge_text), &error);
  ASSERT_TRUE(edge) << error;
  ASSERT_TRUE(eventually([&] { return cloud->stats().ingest_stored >= 10; })) << broker.log();
  // A heartbeat sent after the stage ran (the first one can precede its first tick).
  ASSERT_TRUE(eventually([&] {
    nlohmann::json hb = nlohmann::json::parse(watcher.last_payload(), nullptr, /*allow_exceptions=*/false);
    return hb.is_object() && hb.contains("stage_stats") && hb["stage_stats"].contains("control") &&
           hb["stage_stats"]["control"].value("emitted", 0u) > 0 && hb["stage_stats"]["control"].value("ticks", 0u) > 0;
  }));
  edge->stop();
  cloud->stop();
  auto store = adapters::SqliteReadingStore::open((cloud_dir.path() / "readings.db").string());
  ASSERT_TRUE(store);
  std::vector<StoredReading> rows = store->range("edge-1", "control", {0, INT64_MAX});
  ASSERT_GE(rows.size(), 10u);
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Reading& r = rows[i].reading;
    EXPECT_EQ(r.node, "edge-1");
    EXPECT_EQ(r.stage, "control");
    EXPECT_LE(r.ts_ms, now_ms);
    EXPECT_GT(r.ts_ms, now_ms - 60000);
    // A "readings" message of one simulated probe, with the value it read.
    std::string sensor;
    for (const auto& [name, text] : r.text_values)
      if (name == "sensor") sensor = text;
    double value = -1;
    for (const auto& [name, v] : r.values)
      if (name == "value") value = v;
    EXPECT_TRUE((sensor == "soil-1" && value == 30.0) || (sensor == "soil-2" && value == 32.0))
        << sensor << " " << value;
    if (i > 0) {
      EXPECT_NE(r.seq, rows[i - 1].reading.seq);
    }
  }
  // Only "readings" is published: every row above is a probe reading (a "pump"
  // message has no sensor), and nothing else was stored.
  EXPECT_EQ(store->count(), rows.size());
  const std::string heartbeat = watcher.last_payload();
  ASSERT_FALSE(heartbeat.empty());
  nlohmann::json hb = nlohmann::json::parse(heartbeat);
  EXPECT_EQ(hb["node"], "edge-1");
  EXPECT_GT(hb["stage_stats"]["control"]["emitted"].get<uint64_t>(), 0u);
  EXPECT_GT(hb["stage_stats"]["control"]["ticks"].get<uint64_t>(), 0u);
  EXPECT_GT(hb["stage_stats"]["control"]["fuel_used"].get<uint64_t>(), 0u);
  EXPECT_TRUE(hb["outbox"].contains("depth"));
  EXPECT_TRUE(hb["process"].contains("cpu_s"));
}

TEST(NodeAgent, BuffersWhileTheBrokerIsDownAndSendsEverythingInOrderAfter) {
  testing::MosquittoServer broker;  // not started yet: the edge starts during an outage
  testing::TempDir edge_dir, cloud_dir;
  std::string mqtt = "[mqtt]\nport = " + std::to_string(broker.port()) + "\nreconnect_max = \"1s\"\n";
  std::string edge_text = "[node]\nid = \"edge-1\"\ndata_dir = \"" + edge_dir.path().string() + "\"\n" + mqtt +
                          control_stage();
  std::string error;
  std::unique_ptr<Agent> edge = Agent::start(parse_config(edge_text), &error);
  ASSERT_TRUE(edge) << error;
  ASSERT_TRUE(eventually([&] { return edge->stats().outbox_depth >= 10; }));
  EXPECT_FALSE(edge->stats().connected);
  ASSERT_TRUE(broker.start()) << broker.log();
  if (broker.port() != std::stoi(mqtt.substr(mqtt.find('=') + 2))) GTEST_SKIP() << "broker port was taken meanwhile";
  std::string cloud_text = "[node]\nid = \"cloud-1\"\ndata_dir = \"" + cloud_dir.path().string() + "\"\n" + mqtt +
                           "[ingest]\n";
  std::unique_ptr<Agent> cloud = Agent::start(parse_config(cloud_text), &error);
  ASSERT_TRUE(cloud) << error;
  ASSERT_TRUE(eventually([&] { return cloud->stats().connected; }));
  // The edge reconnects by itself (backoff up to 1 s), then drains the outbox.
  ASSERT_TRUE(eventually([&] { return edge->stats().connected && edge->stats().outbox_depth == 0; }, 30000ms));
  edge->stop();  // flushes what is left
  uint64_t emitted = edge->stats().stages[0].emitted;
  ASSERT_TRUE(eventually([&] { return cloud->stats().ingest_stored >= emitted; }));
  cloud->stop();
  auto store = adapters::SqliteReadingStore::open((cloud_dir.path() / "readings.db").string());
  ASSERT_TRUE(store);
  std::vector<StoredReading> rows = store->range("edge-1", "control", {0, INT64_MAX});
  // Every message of the stage (both ports share one sequence) arrived once.
  std::vector<uint64_t> seqs;
  for (const StoredReading& r : rows) seqs.push_back(r.reading.seq);
  std::sort(seqs.begin(), seqs.end());
  ASSERT_EQ(seqs.size(), emitted);
  for (std::size_t i = 0; i < seqs.size(); ++i) ASSERT_EQ(seqs[i], i);
  // In order: ingest received them in sequence order (its clock never goes
  // back along the sequence).
  std::sort(rows.begin(), rows.end(),
            [](const StoredReading& a, const StoredReading& b) { return a.reading.seq < b.reading.seq; });
  for (std::size_t i = 1; i < rows.size(); ++i) EXPECT_GE(rows[i].received_ms, rows[i - 1].received_ms);
}

TEST(NodeAgent, EdgeOnTheSoilSimulatorOverModbusFeedsCloudIngest) {
  testing::MosquittoServer broker;
  ASSERT_TRUE(broker.start()) << broker.log();
  testing::TempDir edge_dir, cloud_dir;
  // `continuum sim soil`: one field, two probes, on Modbus TCP.
  int modbus_port = testing::free_loopback_port();
  testing::ChildProcess field;
  ASSERT_TRUE(field.start({CONTINUUM_BIN, "sim", "soil", "--fields", "1", "--sensors", "2", "--port",
                           std::to_string(modbus_port), "--speed", "60", "--duration", "30"},
                          (edge_dir.path() / "sim.log").string()));
  ASSERT_TRUE(testing::wait_for_server(field, modbus_port, 5000));
  std::string mqtt = "[mqtt]\nport = " + std::to_string(broker.port()) + "\n";
  std::string cloud_text = "[node]\nid = \"cloud-1\"\ndata_dir = \"" + cloud_dir.path().string() + "\"\n" + mqtt +
                           "[ingest]\n";
  std::string edge_text = "[node]\nid = \"edge-soil-1\"\ndata_dir = \"" + edge_dir.path().string() + "\"\n" + mqtt +
                          "[[devices]]\nname = \"field-0\"\nkind = \"modbus-tcp\"\nport = " + std::to_string(modbus_port) +
                          R"(
sensors = { soil-1 = { address = 0, scale = 0.1 }, soil-2 = { address = 1, scale = 0.1 } }
coils = { pump-1 = 0 }
[[stages]]
name = "control"
module = ")" + IRRIGATION_CONTROL_WASM + R"("
grants = ["config", "sensor:soil-1", "sensor:soil-2", "actuator:pump-1", "emit:readings", "emit:pump"]
config = { sensors = "soil-1,soil-2", low = 25, high = 35 }
tick = "50ms"
publish = ["readings"]
)";
  std::string error;
  std::unique_ptr<Agent> cloud = Agent::start(parse_config(cloud_text), &error);
  ASSERT_TRUE(cloud) << error;
  ASSERT_TRUE(eventually([&] { return cloud->stats().connected; }));
  std::unique_ptr<Agent> edge = Agent::start(parse_config(edge_text), &error);
  ASSERT_TRUE(edge) << error;
  ASSERT_TRUE(eventually([&] { return cloud->stats().ingest_stored >= 10; })) << broker.log();
  edge->stop();
  cloud->stop();
  field.stop();
  auto store = adapters::SqliteReadingStore::open((cloud_dir.path() / "readings.db").string());
  ASSERT_TRUE(store);
  std::vector<StoredReading> rows = store->range("edge-soil-1", "control", {0, INT64_MAX});
  ASSERT_GE(rows.size(), 10u);
  int usable = 0;
  for (const StoredReading& row : rows) {
    double value = -1;
    for (const auto& [name, v] : row.reading.values)
      if (name == "value") value = v;
    // Probe readings in % volumetric as the simulator serves them (0.1 % steps).
    EXPECT_GE(value, 0.0);
    EXPECT_LE(value, 100.0);
    if (value > 2.0) ++usable;
  }
  EXPECT_GT(usable, 0);
}

TEST(NodeAgent, CliReportsConfigErrorsWithFileAndKey) {
  testing::TempDir dir;
  std::string config = (dir.path() / "edge-1.toml").string();
  std::ofstream(config) << "[node]\nid = \"edge-1\"\n[[stages]]\nname = \"s\"\nmodule = 42\n";
  testing::ProgramRun bad = testing::run_program(CONTINUUM_BIN, {"node", "--config", config}, dir.path());
  EXPECT_EQ(bad.status, 2);
  EXPECT_EQ(bad.err, "error: edge-1.toml: stages[0].module: expected a string (path to .wasm or .so)\n");
  std::ofstream(config) << "[node]\nid = \"${CTM_TEST_NODE_ID_UNSET:-edge-3}\"\n";
  EXPECT_EQ(testing::run_program(CONTINUUM_BIN, {"node", "--config", config, "--check"}, dir.path()).status, 0);
}

TEST(NodeAgent, SigtermExitsZeroAndLeavesOfflineStatusRetained) {
  testing::MosquittoServer broker;
  ASSERT_TRUE(broker.start()) << broker.log();
  testing::TempDir dir;
  std::string config = (dir.path() / "edge-7.toml").string();
  std::ofstream(config) << "[node]\nid = \"edge-7\"\ndata_dir = \"" << dir.path().string() << "\"\n[mqtt]\nport = "
                        << broker.port() << "\n" << control_stage();
  testing::MqttProbe watcher(broker.port());
  ASSERT_TRUE(watcher.start());
  ASSERT_TRUE(watcher.subscribe(topics::status("edge-7"), 1));
  auto last_status = [&] { return watcher.last_payload(); };
  pid_t pid = fork();
  if (pid == 0) {
    execl(CONTINUUM_BIN, CONTINUUM_BIN, "node", "--config", config.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  ASSERT_TRUE(eventually([&] { return last_status().find("online") != std::string::npos; })) << broker.log();
  std::this_thread::sleep_for(200ms);
  kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  ASSERT_TRUE(eventually([&] { return last_status().find("offline") != std::string::npos; }));
  watcher.stop();
  // A newcomer learns the state from the retained message.
  testing::MqttProbe late(broker.port());
  ASSERT_TRUE(late.start());
  ASSERT_TRUE(late.subscribe(topics::status("edge-7"), 1));
  EXPECT_TRUE(eventually([&] { return late.last_retained_payload() == R"({"node":"edge-7","state":"offline"})"; }));
  late.stop();
}

}  // namespace
}  // namespace continuum::node::agent
