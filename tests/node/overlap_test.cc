// A node whose subscriptions overlap: ingest (ctm/v1/data/#, plain or
// through an MQTT 5 shared subscription) plus a stage with a remote input on
// a data topic. The broker (a real mosquitto) sends one copy per matching
// subscription; each message must still reach the stage exactly once and be
// stored exactly once (docs/protocol.md, "Overlapping subscriptions").
#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>

#include "continuum/adapters/mqtt_bus.h"
#include "continuum/adapters/sqlite_reading_store.h"
#include "continuum/node/agent/agent.h"
#include "continuum/node/topics.h"
#include "node_test_support.h"
#include "support/envelopes.h"
#include "support/mqtt_probe.h"
#include "support/server_process.h"

namespace continuum::node::agent {
namespace {

using test::eventually;
using test::parse_config;
using test::stage_of;

std::string envelope(uint64_t seq) { return testing::gen_soil_envelope(seq, "30.5"); }

class NodeOverlappingSubscriptions : public ::testing::TestWithParam<std::string> {
 protected:
  // Starts node cloud-9 (ingest, plain or shared as the parameter says, and
  // soil-filter on the remote input gen/src/readings; `stage_extra` goes
  // into the stage) and a publisher; returns once the node subscribed.
  void start_node_and_publisher(const std::string& stage_extra) {
    ASSERT_TRUE(broker_.start()) << broker_.log();
    const std::string share = GetParam();
    std::string text = "[node]\nid = \"cloud-9\"\ndata_dir = \"" + dir_.path().string() +
                       "\"\nheartbeat = \"50ms\"\n[mqtt]\nport = " + std::to_string(broker_.port()) +
                       "\n[ingest]\nbackend = \"sqlite\"\n" + (share.empty() ? "" : "share_group = \"" + share + "\"\n") +
                       "[[stages]]\nname = \"filter\"\nmodule = \"" + SOIL_FILTER_WASM +
                       "\"\ngrants = [\"config\", \"emit:filtered\", \"emit:aggregate\"]\n"
                       "inputs = { readings = \"gen/src/readings\" }\n" + stage_extra + "publish = false\n";
    // The node publishes heartbeats on the connection that made its
    // subscriptions, after making them.
    testing::MqttProbe heartbeats(broker_.port());
    ASSERT_TRUE(heartbeats.start());
    ASSERT_TRUE(heartbeats.subscribe(topics::heartbeat("cloud-9"), 0));
    ASSERT_TRUE(heartbeats.wait_subscribed(30000));
    std::string error;
    node_ = Agent::start(parse_config(text), &error);
    ASSERT_TRUE(node_) << error;
    // Two heartbeats seen: at least one was sent after the subscriptions on
    // the same connection, so the broker has them.
    ASSERT_TRUE(eventually([&] { return heartbeats.messages().size() >= 2; })) << broker_.log();

    adapters::MqttConfig pc;
    pc.port = broker_.port();
    publisher_ = std::make_unique<adapters::MqttBus>(pc);
    ASSERT_TRUE(publisher_->start());
    ASSERT_TRUE(publisher_->wait_connected(30000));
  }

  testing::MosquittoServer broker_;
  testing::TempDir dir_;
  std::unique_ptr<Agent> node_;
  std::unique_ptr<adapters::MqttBus> publisher_;
};

TEST_P(NodeOverlappingSubscriptions, EachMessageReachesTheStageOnceAndIsStoredOnce) {
  ASSERT_NO_FATAL_FAILURE(start_node_and_publisher("queue = 10000\n"));
  Agent* node = node_.get();
  adapters::MqttBus& publisher = *publisher_;
  const std::filesystem::path& dir = dir_.path();
  const std::string topic = topics::data("gen", "src", "readings");
  constexpr uint64_t kMessages = 200;
  int token = 0;
  for (uint64_t i = 0; i < kMessages; ++i) ASSERT_TRUE(publisher.publish(topic, envelope(i), 1, false, &token));
  ASSERT_TRUE(eventually([&] {
    AgentStats s = node->stats();
    return stage_of(s, "filter").delivered >= kMessages && s.ingest_stored >= kMessages;
  })) << "delivered " << stage_of(node->stats(), "filter").delivered << ", stored " << node->stats().ingest_stored;
  // A last message: the broker queues a message's copies together, so once
  // this one arrived every copy of the earlier ones has arrived too.
  ASSERT_TRUE(publisher.publish(topic, envelope(kMessages), 1, false, &token));
  ASSERT_TRUE(eventually([&] {
    AgentStats s = node->stats();
    return stage_of(s, "filter").delivered >= kMessages + 1 && s.ingest_stored >= kMessages + 1;
  }));
  AgentStats s = node->stats();
  EXPECT_EQ(stage_of(s, "filter").delivered, kMessages + 1);
  EXPECT_EQ(stage_of(s, "filter").emitted, kMessages + 1);  // soil-filter: one filtered sample per reading
  EXPECT_EQ(s.ingest_stored, kMessages + 1);
  EXPECT_EQ(s.ingest_duplicates, 0u);
  EXPECT_EQ(s.bad_input_malformed, 0u);
  publisher.stop();
  node->stop();

  auto store = adapters::SqliteReadingStore::open((dir / "readings.db").string());
  ASSERT_TRUE(store);
  EXPECT_EQ(store->count(), kMessages + 1);
  std::vector<StoredReading> rows = store->range("gen", "src", {0, INT64_MAX});
  ASSERT_EQ(rows.size(), kMessages + 1);
}

// Garbage on an input topic is counted once per message, not once per copy.
TEST_P(NodeOverlappingSubscriptions, BadInputOnAnInputTopicIsCountedOncePerMessage) {
  ASSERT_NO_FATAL_FAILURE(start_node_and_publisher(""));
  Agent* node = node_.get();
  adapters::MqttBus& publisher = *publisher_;
  const std::string topic = topics::data("gen", "src", "readings");
  constexpr uint64_t kGarbage = 30;
  int token = 0;
  for (uint64_t i = 0; i < kGarbage; ++i) ASSERT_TRUE(publisher.publish(topic, "not json " + std::to_string(i), 1, false, &token));
  ASSERT_TRUE(publisher.publish(topic, envelope(0), 1, false, &token));  // after all the garbage
  ASSERT_TRUE(eventually([&] {
    AgentStats s = node->stats();
    return stage_of(s, "filter").delivered >= 1 && s.ingest_stored >= 1;
  }));
  AgentStats s = node->stats();
  EXPECT_EQ(s.bad_input_malformed, kGarbage);
  EXPECT_EQ(stage_of(s, "filter").delivered, 1u);
  EXPECT_EQ(s.ingest_stored, 1u);
  EXPECT_EQ(s.ingest_rejected, 0u);
  publisher.stop();
  node->stop();
}

INSTANTIATE_TEST_SUITE_P(Ingest, NodeOverlappingSubscriptions, ::testing::Values("", "cloud"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param.empty() ? std::string("Plain") : std::string("Shared");
                         });

}  // namespace
}  // namespace continuum::node::agent
