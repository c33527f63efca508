// MqttBus against a real mosquitto: QoS 1 publish/subscribe with acks, the
// retained status with its Will, and shared subscriptions.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <set>

#include <nlohmann/json.hpp>

#include "continuum/adapters/mqtt_bus.h"
#include "continuum/node/presence.h"
#include "continuum/node/topics.h"
#include "support/collector.h"
#include "support/mqtt_probe.h"
#include "support/server_process.h"

namespace continuum::adapters {
namespace {

namespace topics = node::topics;

MqttConfig client_config(int port, const std::string& id = "") {
  return testing::quick_reconnect_client(port, id, /*keepalive_s=*/5);
}

// Starts a broker or skips the test, saying why.
#define START_BROKER(broker)                                                     \
  if (testing::find_program("mosquitto").empty()) GTEST_SKIP() << "mosquitto not installed"; \
  ASSERT_TRUE(broker.start()) << "mosquitto did not start:\n" << broker.log()

TEST(MqttBus, Qos1PublishIsAcknowledgedAndDelivered) {
  testing::MosquittoServer broker;
  START_BROKER(broker);

  MqttBus subscriber(client_config(broker.port(), "sub"));
  testing::Collector received;
  received.attach(subscriber);
  ASSERT_TRUE(subscriber.subscribe("ctm/v1/data/#", 1));
  ASSERT_TRUE(subscriber.start());
  ASSERT_TRUE(subscriber.wait_subscribed(3000));

  MqttBus publisher(client_config(broker.port(), "pub"));
  std::mutex acked_mutex;
  std::set<int> acked;
  publisher.set_ack_handler([&](int token) {
    std::lock_guard lock(acked_mutex);
    acked.insert(token);
  });
  ASSERT_TRUE(publisher.start());
  ASSERT_TRUE(publisher.wait_connected(3000));

  std::set<int> tokens;
  for (int i = 0; i < 20; ++i) {
    int token = 0;
    ASSERT_TRUE(publisher.publish(topics::data("n1", "soil", "out"), "m" + std::to_string(i), 1, false, &token));
    tokens.insert(token);
  }
  auto messages = received.wait_for(20, 3000);
  ASSERT_EQ(messages.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(messages[i].topic, "ctm/v1/data/n1/soil/out");
    EXPECT_EQ(messages[i].payload, "m" + std::to_string(i));  // one publisher, QoS 1: in order
  }
  for (int attempt = 0; attempt < 100; ++attempt) {
    {
      std::lock_guard lock(acked_mutex);
      if (acked.size() == tokens.size()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::lock_guard lock(acked_mutex);
  EXPECT_EQ(acked, tokens);
}

// The node's status: "online" retained on connect; when the node dies without
// a DISCONNECT the broker publishes its Will, the retained "offline".
TEST(MqttBus, RetainedStatusTurnsOfflineWhenTheNodeIsKilled) {
  testing::MosquittoServer broker;
  START_BROKER(broker);
  const std::string status_topic = topics::status("edge-7");

  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t node = fork();
  ASSERT_GE(node, 0);
  if (node == 0) {
    // The "node" process: connects with Will + birth, then waits to be killed.
    MqttConfig config = client_config(broker.port(), "edge-7");
    config.will = MqttRetainedMessage{status_topic, R"({"state":"offline"})"};
    config.birth = MqttRetainedMessage{status_topic, R"({"state":"online"})"};
    MqttBus bus(config);
    // Seeing its own "online" come back means the broker holds it.
    testing::Collector own_status;
    own_status.attach(bus);
    bus.subscribe(status_topic, 1);
    bool ok = bus.start() && own_status.wait_for(1, 3000).size() == 1;
    char byte = ok ? 1 : 0;
    (void)!write(ready[1], &byte, 1);
    pause();
    _exit(0);
  }
  close(ready[1]);
  char byte = 0;
  ASSERT_EQ(read(ready[0], &byte, 1), 1);
  close(ready[0]);
  ASSERT_EQ(byte, 1) << "node process could not connect";

  // An observer that arrives later still sees "online" (retained).
  MqttBus observer(client_config(broker.port(), "observer"));
  testing::Collector seen;
  seen.attach(observer);
  observer.subscribe(status_topic, 1);
  ASSERT_TRUE(observer.start());
  auto first = seen.wait_for(1, 3000);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].payload, R"({"state":"online"})");
  EXPECT_TRUE(first[0].retained);

  kill(node, SIGKILL);  // no DISCONNECT: the kernel closes the socket
  waitpid(node, nullptr, 0);
  auto after = seen.wait_for(2, 3000);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[1].payload, R"({"state":"offline"})");

  // And the Will was retained: a newcomer sees "offline".
  MqttBus late(client_config(broker.port(), "late"));
  testing::Collector late_seen;
  late_seen.attach(late);
  late.subscribe(status_topic, 1);
  ASSERT_TRUE(late.start());
  auto late_messages = late_seen.wait_for(1, 3000);
  ASSERT_EQ(late_messages.size(), 1u);
  EXPECT_EQ(late_messages[0].payload, R"({"state":"offline"})");
  EXPECT_TRUE(late_messages[0].retained);
}

// Same, within one process: an abrupt socket close publishes the Will, and the
// bus reconnects by itself and publishes "online" again.
TEST(MqttBus, AbruptDisconnectPublishesWillThenReconnects) {
  testing::MosquittoServer broker;
  START_BROKER(broker);
  const std::string status_topic = topics::status("edge-8");

  MqttBus observer(client_config(broker.port(), "observer"));
  testing::Collector seen;
  seen.attach(observer);
  observer.subscribe(status_topic, 1);
  ASSERT_TRUE(observer.start());
  ASSERT_TRUE(observer.wait_subscribed(3000));

  MqttConfig config = client_config(broker.port(), "edge-8");
  config.will = MqttRetainedMessage{status_topic, "offline"};
  config.birth = MqttRetainedMessage{status_topic, "online"};
  MqttBus node_bus(config);
  ASSERT_TRUE(node_bus.start());
  ASSERT_EQ(seen.wait_for(1, 3000).size(), 1u);

  node_bus.drop_connection_abruptly();
  auto messages = seen.wait_for(3, 5000);
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[0].payload, "online");
  EXPECT_EQ(messages[1].payload, "offline");
  EXPECT_EQ(messages[2].payload, "online");
  EXPECT_EQ(node_bus.connect_count(), 2u);
}

TEST(MqttBus, NodePresenceAndHeartbeat) {
  testing::MosquittoServer broker;
  START_BROKER(broker);

  MqttBus observer(client_config(broker.port(), "observer"));
  testing::Collector seen;
  seen.attach(observer);
  observer.subscribe("ctm/v1/+/status", 1);
  observer.subscribe("ctm/v1/+/hb", 0);
  ASSERT_TRUE(observer.start());
  ASSERT_TRUE(observer.wait_subscribed(3000));

  MqttConfig config = client_config(broker.port(), "edge-9");
  use_node_presence(config, "edge-9");
  MqttBus node_bus(config);
  ASSERT_TRUE(node_bus.start());
  ASSERT_TRUE(node_bus.wait_connected(3000));
  node::Heartbeat heartbeat;
  heartbeat.ts_ms = 1234;
  heartbeat.stages = 3;
  heartbeat.outbox_depth = 7;
  heartbeat.load = node::read_system_load();
  ASSERT_TRUE(heartbeat.load) << "no /proc/loadavg";
  ASSERT_TRUE(node::publish_heartbeat(node_bus, "edge-9", heartbeat));

  auto messages = seen.wait_for(2, 3000);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].topic, "ctm/v1/edge-9/status");
  EXPECT_EQ(messages[0].payload, R"({"node":"edge-9","state":"online"})");
  EXPECT_EQ(messages[1].topic, "ctm/v1/edge-9/hb");
  auto hb = nlohmann::json::parse(messages[1].payload);
  EXPECT_EQ(hb["node"], "edge-9");
  EXPECT_EQ(hb["ts"], 1234);
  EXPECT_EQ(hb["stages"], 3);
  EXPECT_EQ(hb["outbox"]["depth"], 7);
  EXPECT_GE(hb["load"]["1m"].get<double>(), 0.0);
  EXPECT_GT(hb["load"]["host_uptime_s"].get<double>(), 0.0);
  EXPECT_GT(hb["load"]["mem_total_kb"].get<uint64_t>(), hb["load"]["mem_available_kb"].get<uint64_t>());

  // A clean stop marks the node offline as well.
  node_bus.stop();
  auto after_stop = seen.wait_for(3, 3000);
  ASSERT_EQ(after_stop.size(), 3u);
  EXPECT_EQ(after_stop[2].topic, "ctm/v1/edge-9/status");
  EXPECT_EQ(after_stop[2].payload, R"({"node":"edge-9","state":"offline"})");
}

// A node may boot before its broker: the bus keeps trying in the background.
TEST(MqttBus, ConnectsWhenTheBrokerComesUpLater) {
  if (testing::find_program("mosquitto").empty()) GTEST_SKIP() << "mosquitto not installed";
  testing::MosquittoServer broker;  // port chosen, not started yet
  MqttBus bus(client_config(broker.port(), "early"));
  node::Status first = bus.start();
  EXPECT_FALSE(first) << "nothing listens yet";
  EXPECT_FALSE(bus.connected());
  ASSERT_TRUE(broker.start()) << broker.log();
  EXPECT_TRUE(bus.wait_connected(5000));
}

TEST(MqttBus, SharedSubscriptionHandsEachMessageToOneMember) {
  testing::MosquittoServer broker;
  START_BROKER(broker);
  const std::string filter = topics::shared("workers", topics::all_data());

  MqttBus first(client_config(broker.port(), "w1")), second(client_config(broker.port(), "w2"));
  testing::Collector got_first, got_second;
  got_first.attach(first);
  got_second.attach(second);
  first.subscribe(filter, 1);
  second.subscribe(filter, 1);
  ASSERT_TRUE(first.start());
  ASSERT_TRUE(second.start());
  ASSERT_TRUE(first.wait_subscribed(3000) && second.wait_subscribed(3000));

  MqttBus publisher(client_config(broker.port(), "pub"));
  ASSERT_TRUE(publisher.start());
  ASSERT_TRUE(publisher.wait_connected(3000));
  const int total = 40;
  for (int i = 0; i < total; ++i)
    ASSERT_TRUE(publisher.publish(topics::data("n", "s", "out"), std::to_string(i), 1, false, nullptr));

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (got_first.snapshot().size() + got_second.snapshot().size() < total &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // no extra copies trailing in

  std::multiset<std::string> all;
  for (auto& m : got_first.snapshot()) all.insert(m.payload);
  for (auto& m : got_second.snapshot()) all.insert(m.payload);
  EXPECT_EQ(all.size(), static_cast<size_t>(total));
  for (int i = 0; i < total; ++i) EXPECT_EQ(all.count(std::to_string(i)), 1u) << i;
  EXPECT_GT(got_first.snapshot().size(), 0u);
  EXPECT_GT(got_second.snapshot().size(), 0u);
}

}  // namespace
}  // namespace continuum::adapters
