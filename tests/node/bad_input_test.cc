// Bad input on every boundary of a node, against real parts: a `continuum
// node` process on a real mosquitto (garbage, oversized and malformed
// payloads on a stage's input topic, which is also a data topic its ingest
// stores; a module that traps on every message), and the KR C2 simulator's
// line faults on a real pty. Each kind is dropped and counted, logged once
// however often it comes, and good input sent after it is still processed
// and stored. Batches of readings: each element handled as a reading of
// its own, bad batches counted like other bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "continuum/adapters/mqtt_bus.h"
#include "continuum/adapters/sqlite_reading_store.h"
#include "continuum/node/agent/agent.h"
#include "continuum/node/reading_batch.h"
#include "continuum/node/topics.h"
#include "continuum/sim/krc2_sim.h"
#include "support/envelopes.h"
#include "support/mqtt_probe.h"
#include "support/node_toml.h"
#include "support/poll.h"
#include "support/server_process.h"

namespace continuum::node::agent {
namespace {

using namespace std::chrono_literals;

using testing::eventually;

using continuum::testing::read_file;

std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

std::string envelope(uint64_t seq, double value) { return testing::gen_soil_envelope(seq, std::to_string(value)); }

// The last heartbeat of one node, as JSON.
class HeartbeatWatch {
 public:
  HeartbeatWatch(int port, const std::string& node) : probe_(port) {
    started_ = probe_.start() && probe_.subscribe(topics::heartbeat(node), 0) && probe_.wait_subscribed(10000);
  }
  bool started() const { return started_; }
  // The last heartbeat that is JSON (null before the first).
  nlohmann::json last() {
    std::vector<Message> all = probe_.messages();
    for (auto m = all.rbegin(); m != all.rend(); ++m) {
      nlohmann::json j = nlohmann::json::parse(m->payload, nullptr, false);
      if (!j.is_discarded()) return j;
    }
    return nullptr;
  }
  uint64_t at(const std::vector<std::string>& path) {
    nlohmann::json j = last();
    for (const std::string& key : path) {
      if (!j.is_object() || !j.contains(key)) return 0;
      j = j[key];
    }
    return j.is_number_unsigned() ? j.get<uint64_t>() : 0;
  }

 private:
  testing::MqttProbe probe_;
  bool started_ = false;
};

// The soil-filter stage on the remote input gen/src/readings, publishing
// only its aggregate (config text for the nodes below).
std::string filter_stage_config() {
  return std::string("[[stages]]\nname = \"filter\"\nmodule = \"") + SOIL_FILTER_WASM + "\"\n" +
         "grants = [\"config\", \"emit:filtered\", \"emit:aggregate\"]\n" +
         "inputs = { readings = \"gen/src/readings\" }\npublish = [\"aggregate\"]\n";
}

// Starts `continuum node --config CONFIG` and waits until its heartbeat
// shows the stages (it subscribes to its inputs before loading them).
void start_node(const std::string& config_path, const std::string& log_path, HeartbeatWatch& hb,
                testing::ChildProcess& node) {
  ASSERT_TRUE(hb.started());
  ASSERT_TRUE(node.start({CONTINUUM_BIN, "node", "--config", config_path}, log_path));
  ASSERT_TRUE(eventually([&] { return hb.last().contains("stage_stats"); })) << read_file(log_path);
}

// A plain MQTT client on the broker, connected.
std::unique_ptr<adapters::MqttBus> connected_publisher(int port) {
  adapters::MqttConfig pc;
  pc.port = port;
  auto publisher = std::make_unique<adapters::MqttBus>(pc);
  if (!publisher->start() || !publisher->wait_connected(10000)) return nullptr;
  return publisher;
}

// The seqs of gen/src's readings in the node's store, sorted.
std::vector<uint64_t> stored_seqs(const testing::TempDir& dir) {
  std::vector<uint64_t> seqs;
  auto store = adapters::SqliteReadingStore::open((dir.path() / "readings.db").string());
  EXPECT_TRUE(store);
  if (!store) return seqs;
  for (const StoredReading& r : store->range("gen", "src", {0, INT64_MAX})) seqs.push_back(r.reading.seq);
  std::sort(seqs.begin(), seqs.end());
  return seqs;
}

// One node process: ingest (stores every data topic) plus two stages on the
// remote input gen/src/readings: soil-filter, and a module that traps on
// every message. A publisher sends, in this order, garbage, oversized and
// malformed payloads to that input topic, then good envelopes.
TEST(NodeBadInput, GarbageOversizedMalformedAndTrapsAreDroppedCountedLoggedOnceAndGoodInputStillFlows) {
  testing::MosquittoServer broker;
  ASSERT_TRUE(broker.start()) << broker.log();
  testing::TempDir dir;
  const std::string config_path = (dir.path() / "fog-9.toml").string();
  const std::string log_path = (dir.path() / "fog-9.log").string();
  std::ofstream(config_path) << "[node]\nid = \"fog-9\"\ndata_dir = \"" << dir.path().string()
                             << "\"\nheartbeat = \"100ms\"\n[mqtt]\nport = " << broker.port()
                             << "\nmax_payload = 1024\n[ingest]\n"
                             << "[supervisor]\nbackoff_min = \"10ms\"\nbackoff_max = \"40ms\"\n"
                             << filter_stage_config()
                             << "[[stages]]\nname = \"bad\"\nmodule = \"" << TRAP_WASM << "\"\n"
                             << "inputs = { readings = \"gen/src/readings\" }\nqueue = 1000\n";
  HeartbeatWatch hb(broker.port(), "fog-9");
  testing::ChildProcess node;
  ASSERT_NO_FATAL_FAILURE(start_node(config_path, log_path, hb, node));
  std::unique_ptr<adapters::MqttBus> connected = connected_publisher(broker.port());
  ASSERT_TRUE(connected);
  adapters::MqttBus& publisher = *connected;
  const std::string topic = topics::data("gen", "src", "readings");
  constexpr int kEach = 40, kGood = 25, kRefused = 15;
  int token = 0;
  for (int i = 0; i < kEach; ++i) {
    std::string garbage = "\x01\xff garbage " + std::to_string(i) + " {\"node\":";
    ASSERT_TRUE(publisher.publish(topic, garbage, 1, false, &token));
    // Larger than max_payload (1024): never parsed, even though it is JSON.
    std::string oversized = envelope(100000 + i, 1.0);
    oversized.insert(oversized.size() - 2, ",\"pad\":\"" + std::string(1200, 'x') + "\"");
    ASSERT_TRUE(publisher.publish(topic, oversized, 1, false, &token));
    // Valid JSON, not an envelope: no seq, values is an array.
    ASSERT_TRUE(publisher.publish(topic, "{\"node\":\"gen\",\"stage\":\"src\",\"ts\":1,\"values\":[1,2]}", 1, false,
                                  &token));
  }
  // Valid envelopes the filter module refuses (no "sensor"): it returns an
  // error, which is counted (handler_errors), logged once, not restarted.
  for (int i = 0; i < kRefused; ++i) {
    std::string refused = "{\"node\":\"gen\",\"stage\":\"src\",\"seq\":" + std::to_string(1000 + i) +
                          ",\"ts\":1763712000000,\"values\":{\"v\":1}}";
    ASSERT_TRUE(publisher.publish(topic, refused, 1, false, &token));
  }
  for (int i = 0; i < kGood; ++i) ASSERT_TRUE(publisher.publish(topic, envelope(i, 30.0 + i * 0.1), 1, false, &token));

  // The good envelopes went through the filter stage and into storage.
  ASSERT_TRUE(eventually([&] { return hb.at({"stage_stats", "filter", "delivered"}) >= kGood + kRefused; }))
      << hb.last().dump() << read_file(log_path);
  ASSERT_TRUE(eventually([&] { return hb.at({"ingest", "stored"}) >= kGood + kRefused; })) << hb.last().dump();
  ASSERT_TRUE(eventually([&] { return hb.at({"stage_stats", "bad", "traps"}) >= 3; })) << hb.last().dump();
  nlohmann::json last = hb.last();
  EXPECT_EQ(last["bad_input"]["oversized"], kEach) << last.dump();
  EXPECT_EQ(last["bad_input"]["malformed"], 2 * kEach) << last.dump();
  EXPECT_EQ(last["stage_stats"]["filter"]["delivered"], kGood + kRefused);  // no bad payload reached the stage
  EXPECT_EQ(last["stage_stats"]["filter"]["emitted"], kGood);               // one filtered sample per good reading
  EXPECT_EQ(last["stage_stats"]["filter"]["handler_errors"], kRefused);
  EXPECT_EQ(last["stage_stats"]["filter"]["restarts"], 0);
  EXPECT_EQ(last["stage_stats"]["filter"]["traps"], 0);
  EXPECT_EQ(last["ingest"]["rejected"], 0);  // dropped before ingest
  publisher.stop();
  node.stop(20000);

  // Stored once each: the valid envelopes (good: seq 0..kGood-1; refused by
  // the stage but valid for ingest: 1000..), nothing else.
  std::vector<uint64_t> seqs = stored_seqs(dir);
  ASSERT_EQ(seqs.size(), std::size_t(kGood + kRefused));
  for (int i = 0; i < kGood; ++i) EXPECT_EQ(seqs[i], uint64_t(i));
  for (int i = 0; i < kRefused; ++i) EXPECT_EQ(seqs[kGood + i], uint64_t(1000 + i));

  // Logged once per kind, however many came.
  std::string log = read_file(log_path);
  EXPECT_EQ(occurrences(log, "more than [mqtt] max_payload = 1024 bytes"), 1u) << log;
  EXPECT_EQ(occurrences(log, "not a valid envelope"), 1u) << log;
  EXPECT_EQ(occurrences(log, "fog-9/bad: trapped"), 1u) << log;
  EXPECT_EQ(occurrences(log, "fog-9/filter: a handler returned an error"), 1u) << log;
}

// Batches (docs/protocol.md, "Batches") on the same node: a batch of N
// readings reaches the stage as N deliveries and ingest as N rows; the same
// batch again (a QoS 1 redelivery) is stored as duplicates only; a malformed
// batch, an oversized one and one over the element bound are dropped and
// counted, a bad element alone is dropped (counted as malformed) while its
// good neighbours go on, and the refusals are logged once per kind.
TEST(NodeBadInput, BatchesAreHandledReadingByReadingAndBadBatchesAreCounted) {
  testing::MosquittoServer broker;
  ASSERT_TRUE(broker.start()) << broker.log();
  testing::TempDir dir;
  const std::string config_path = (dir.path() / "fog-8.toml").string();
  const std::string log_path = (dir.path() / "fog-8.log").string();
  std::ofstream(config_path) << "[node]\nid = \"fog-8\"\ndata_dir = \"" << dir.path().string()
                             << "\"\nheartbeat = \"100ms\"\n[mqtt]\nport = " << broker.port()
                             << "\nmax_payload = 65536\n[ingest]\n" << filter_stage_config();
  HeartbeatWatch hb(broker.port(), "fog-8");
  testing::ChildProcess node;
  ASSERT_NO_FATAL_FAILURE(start_node(config_path, log_path, hb, node));
  std::unique_ptr<adapters::MqttBus> connected = connected_publisher(broker.port());
  ASSERT_TRUE(connected);
  adapters::MqttBus& publisher = *connected;
  const std::string topic = topics::data("gen", "src", "readings");
  constexpr int kBatch = 50;
  std::vector<std::string> good;
  for (int i = 0; i < kBatch; ++i) good.push_back(envelope(i, 30.0 + i * 0.1));
  std::vector<std::string_view> views(good.begin(), good.end());
  const std::string batch = encode_reading_batch(views);
  std::vector<std::string> mixed = {envelope(kBatch, 31.0), "{\"node\":\"gen\",\"stage\":\"src\",\"ts\":1,\"values\":{}}",
                                    envelope(kBatch + 1, 32.0), envelope(kBatch + 2, 33.0)};
  std::vector<std::string_view> mixed_views(mixed.begin(), mixed.end());
  std::vector<std::string_view> too_many(kMaxBatchReadings + 1, "{}");
  std::vector<std::string_view> huge(400, good[0]);  // ~60,000 bytes of envelopes, over max_payload with the rest
  std::vector<std::string_view> huge2(huge);
  huge2.insert(huge2.end(), huge.begin(), huge.end());
  int token = 0;
  ASSERT_TRUE(publisher.publish(topic, batch, 1, false, &token));
  ASSERT_TRUE(publisher.publish(topic, batch, 1, false, &token));  // again: ingest keeps the first copy only
  ASSERT_TRUE(publisher.publish(topic, "{\"batch\":[1,2,3]}", 1, false, &token));
  ASSERT_TRUE(publisher.publish(topic, "{\"batch\":[" + good[0] + "", 1, false, &token));
  ASSERT_TRUE(publisher.publish(topic, encode_reading_batch(too_many), 1, false, &token));
  ASSERT_TRUE(publisher.publish(topic, encode_reading_batch(huge2), 1, false, &token));
  ASSERT_TRUE(publisher.publish(topic, encode_reading_batch(mixed_views), 1, false, &token));

  constexpr int kDelivered = 2 * kBatch + 3;
  ASSERT_TRUE(eventually([&] { return hb.at({"stage_stats", "filter", "delivered"}) >= kDelivered; }))
      << hb.last().dump() << read_file(log_path);
  ASSERT_TRUE(eventually([&] { return hb.at({"ingest", "stored"}) + hb.at({"ingest", "duplicates"}) >= kDelivered; }))
      << hb.last().dump();
  nlohmann::json last = hb.last();
  EXPECT_EQ(last["stage_stats"]["filter"]["delivered"], kDelivered) << last.dump();
  EXPECT_EQ(last["stage_stats"]["filter"]["emitted"], kDelivered);  // one filtered sample per reading
  EXPECT_EQ(last["stage_stats"]["filter"]["dropped"], 0);
  EXPECT_EQ(last["ingest"]["stored"], kBatch + 3);
  EXPECT_EQ(last["ingest"]["duplicates"], kBatch);
  EXPECT_EQ(last["bad_input"]["bad_batches"], 3) << last.dump();
  EXPECT_EQ(last["bad_input"]["oversized"], 1);
  EXPECT_EQ(last["bad_input"]["malformed"], 1);
  publisher.stop();
  node.stop(20000);

  std::vector<uint64_t> seqs = stored_seqs(dir);
  ASSERT_EQ(seqs.size(), std::size_t(kBatch + 3));
  for (int i = 0; i < kBatch + 3; ++i) EXPECT_EQ(seqs[i], uint64_t(i));
  std::string log = read_file(log_path);
  EXPECT_EQ(occurrences(log, "dropped a batch on"), 1u) << log;
  EXPECT_EQ(occurrences(log, "not a valid envelope (in a batch"), 1u) << log;
}

TEST(NodeBadInput, MaxPayloadOutOfRangeIsAConfigError) {
  std::string error;
  std::optional<NodeConfig> c = parse_node_config("[node]\nid = \"n\"\n[mqtt]\nmax_payload = 10\n", "n.toml", "/",
                                                  process_environment(), &error);
  EXPECT_FALSE(c);
  EXPECT_NE(error.find("mqtt.max_payload: expected an integer from 64 to"), std::string::npos) << error;
}

// Noise bytes, lost bytes and out-of-range angles on the serial line: the
// decoder resynchronises and counts them (its "status" output), the guard
// skips cycles with an error value, and a real crossing still stops the robot.
TEST(NodeBadInput, SerialLineFaultsAreCountedAndTheRobotStillStops) {
  testing::MosquittoServer broker;
  ASSERT_TRUE(broker.start()) << broker.log();
  sim::Krc2Options options;
  options.baud = 115200;
  options.trajectory.period_s = 2;
  options.noise_rate = 0.05;
  options.drop_rate = 0.03;
  options.out_of_range_rate = 0.02;
  sim::Krc2Simulator robot(options);
  ASSERT_EQ(robot.open(), "");
  std::atomic<bool> cancel{false};
  std::thread sim_thread([&] { robot.run(cancel); });

  std::mutex mutex;
  nlohmann::json status;
  adapters::MqttConfig wc;
  wc.port = broker.port();
  adapters::MqttBus watcher(wc);
  watcher.set_message_handler([&](const Message& m) {
    nlohmann::json j = nlohmann::json::parse(m.payload, nullptr, false);
    std::lock_guard<std::mutex> lock(mutex);
    if (!j.is_discarded() && j.contains("values")) status = j["values"];
  });
  ASSERT_TRUE(watcher.start());
  ASSERT_TRUE(watcher.subscribe(topics::data("edge-robot-1", "decode", "status"), 1));
  ASSERT_TRUE(watcher.wait_subscribed(10000));

  testing::TempDir dir;
  std::string text = "[node]\nid = \"edge-robot-1\"\ndata_dir = \"" + dir.path().string() + "\"\n[mqtt]\nport = " +
                     std::to_string(broker.port()) + "\n[[devices]]\nname = \"krc2\"\nkind = \"serial\"\npath = \"" +
                     robot.slave_path() + "\"\nbaud = 115200\n" + R"(
[[stages]]
name = "decode"
module = ")" + KRC2_DECODE_WASM + R"("
grants = ["config", "serial:krc2", "emit:cycles", "emit:status"]
tick = "2ms"
publish = ["status"]
[[stages]]
name = "guard"
module = ")" + COLLISION_GUARD_WASM + R"("
grants = ["config", "serial:krc2", "emit:readings"]
inputs = { cycles = "decode.cycles" }
publish = false
)";
  std::string error;
  std::unique_ptr<Agent> agent = Agent::start(testing::parse_config(text, "edge-robot.toml"), &error);
  ASSERT_TRUE(agent) << error;
  bool stopped = eventually([&] { return robot.stopped(); });
  auto counter = [&](const char* key) {
    std::lock_guard<std::mutex> lock(mutex);
    return status.contains(key) && status[key].is_number() ? status[key].get<int64_t>() : 0;
  };
  bool counted = eventually([&] { return counter("bytes_skipped") > 0 && counter("range_errors") > 0; });
  AgentStats s = agent->stats();
  agent->stop();
  cancel.store(true);
  sim_thread.join();
  watcher.stop();

  EXPECT_TRUE(stopped) << "no STOP reached the robot through the noisy line";
  ASSERT_TRUE(counted) << "decode status: " << status.dump();
  EXPECT_GT(robot.stats().noise_bytes, 0u);
  EXPECT_GT(robot.stats().out_of_range_frames, 0u);
  EXPECT_GT(counter("cycles_ok"), 0);
  ASSERT_EQ(s.stages.size(), 2u);
  EXPECT_EQ(s.stages[0].traps + s.stages[1].traps, 0u);  // bad bytes never crash a stage
  EXPECT_EQ(s.stages[1].handler_errors, 0u);             // the guard skips cycles with errors
  EXPECT_GT(s.stages[1].delivered, 5u);
}

}  // namespace
}  // namespace continuum::node::agent
