// OutboxSender::post (group commit on a committer thread) against a real
// SQLite outbox and a real mosquitto: posted messages are stored and sent in
// order, each once; what is posted during an outage is in the outbox file
// after flush_posted(); a sender destroyed right after posting still stores
// everything it was given.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <thread>

#include "continuum/adapters/mqtt_bus.h"
#include "continuum/adapters/sqlite_outbox.h"
#include "continuum/node/outbox_sender.h"
#include "continuum/node/topics.h"
#include "support/collector.h"
#include "support/mqtt_probe.h"
#include "support/poll.h"
#include "support/server_process.h"

namespace continuum::adapters {
namespace {

using testing::eventually;

MqttConfig client(int port) { return testing::quick_reconnect_client(port); }

TEST(OutboxPost, PostedMessagesAreStoredThenSentInOrderOnce) {
  if (testing::find_program("mosquitto").empty()) GTEST_SKIP() << "mosquitto not installed";
  testing::MosquittoServer broker;
  ASSERT_TRUE(broker.start()) << broker.log();
  MqttBus cloud(client(broker.port()));
  testing::Collector received;
  received.attach(cloud);
  cloud.subscribe(node::topics::all_data(), 1);
  ASSERT_TRUE(cloud.start());
  ASSERT_TRUE(cloud.wait_subscribed(10000));

  testing::TempDir dir;
  node::Status status;
  auto outbox = SqliteOutbox::open({(dir.path() / "outbox.db").string(), 10000}, &status);
  ASSERT_TRUE(outbox) << status.message;
  MqttBus bus(client(broker.port()));
  node::OutboxSender sender(*outbox, bus, 16);
  ASSERT_TRUE(bus.start());
  ASSERT_TRUE(bus.wait_connected(10000));

  const int total = 1000;  // posted as fast as possible: commits group them
  const std::string topic = node::topics::data("edge-1", "soil", "out");
  for (int i = 0; i < total; ++i) sender.post(topic, std::to_string(i));
  sender.flush_posted();
  std::vector<node::Message> got = received.wait_for(total, 30000);
  ASSERT_EQ(got.size(), std::size_t(total));
  for (int i = 0; i < total; ++i) ASSERT_EQ(got[i].payload, std::to_string(i)) << "at " << i;
  EXPECT_TRUE(eventually([&] { return outbox->size() == 0; }));  // deleted on PUBACK
  EXPECT_EQ(sender.post_failures(), 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // would-be duplicates
  EXPECT_EQ(received.snapshot().size(), std::size_t(total));
}

TEST(OutboxPost, WhatIsPostedDuringAnOutageIsInTheFileAndADestroyedSenderKeepsIt) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "outbox.db").string();
  int port = testing::free_loopback_port();  // nothing listens there
  {
    node::Status status;
    auto outbox = SqliteOutbox::open({path, 10000}, &status);
    ASSERT_TRUE(outbox) << status.message;
    MqttBus bus(client(port));
    node::OutboxSender sender(*outbox, bus, 16);
    bus.start();  // fails to connect and keeps retrying
    for (int i = 0; i < 300; ++i) sender.post(node::topics::data("edge-1", "soil", "out"), std::to_string(i));
    sender.flush_posted();
    EXPECT_EQ(outbox->size(), 300u);
    // Posted and at once destroyed: the destructor stores what is pending.
    for (int i = 300; i < 400; ++i) sender.post(node::topics::data("edge-1", "soil", "out"), std::to_string(i));
  }
  node::Status status;
  auto reopened = SqliteOutbox::open({path, 10000}, &status);
  ASSERT_TRUE(reopened) << status.message;
  std::vector<node::OutboxEntry> entries = reopened->peek(0, 1000);
  ASSERT_EQ(entries.size(), 400u);
  for (int i = 0; i < 400; ++i) EXPECT_EQ(entries[i].payload, std::to_string(i));
}

}  // namespace
}  // namespace continuum::adapters
