// The durable outbox end to end: the broker goes away for a few seconds while
// the node keeps producing; everything buffered is sent after the reconnect,
// in order, the subscriber (persistent session on a persistent broker) misses
// nothing, and ingest stores every reading exactly once.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "continuum/adapters/mqtt_bus.h"
#include "continuum/adapters/sqlite_outbox.h"
#include "continuum/adapters/sqlite_reading_store.h"
#include "continuum/node/ingest.h"
#include "continuum/node/outbox_sender.h"
#include "continuum/node/reading.h"
#include "continuum/node/topics.h"
#include "support/collector.h"
#include "support/mqtt_probe.h"
#include "support/poll.h"
#include "support/server_process.h"

namespace continuum::adapters {
namespace {

MqttConfig persistent_client(int port, const std::string& id) {
  MqttConfig config = testing::quick_reconnect_client(port, id, /*keepalive_s=*/5);
  config.clean_start = false;
  config.session_expiry_s = 300;
  return config;
}

bool wait_until(const std::function<bool()>& condition, int timeout_ms) {
  return testing::eventually(condition, std::chrono::milliseconds(timeout_ms));
}

// "duplicates: ... missing: ... out of order at: ..." for a failure message.
std::string describe_difference(const std::vector<uint64_t>& seqs, int total) {
  std::vector<int> seen(total, 0);
  std::string out = "out of order after:";
  for (size_t i = 0; i < seqs.size(); ++i) {
    if (seqs[i] < static_cast<uint64_t>(total)) ++seen[seqs[i]];
    if (i > 0 && seqs[i] != seqs[i - 1] + 1) out += " " + std::to_string(seqs[i - 1]) + "->" + std::to_string(seqs[i]);
  }
  out += "; duplicated:";
  for (int i = 0; i < total; ++i)
    if (seen[i] > 1) out += " " + std::to_string(i);
  out += "; missing:";
  for (int i = 0; i < total; ++i)
    if (seen[i] == 0) out += " " + std::to_string(i);
  return out;
}

TEST(OutboxOutage, EverythingArrivesOnceInOrderAfterTheBrokerReturns) {
  if (testing::find_program("mosquitto").empty()) GTEST_SKIP() << "mosquitto not installed";
  testing::MosquittoServer broker({.persistence = true});
  ASSERT_TRUE(broker.start()) << broker.log();

  MqttBus cloud(persistent_client(broker.port(), "cloud"));
  testing::Collector received;
  received.attach(cloud);
  cloud.subscribe(node::topics::all_data(), 1);
  ASSERT_TRUE(cloud.start());
  ASSERT_TRUE(cloud.wait_subscribed(3000));

  testing::TempDir dir;
  node::Status status;
  auto outbox = SqliteOutbox::open({(dir.path() / "outbox.db").string(), 10000}, &status);
  ASSERT_TRUE(outbox) << status.message;
  MqttConfig node_config = persistent_client(broker.port(), "edge-1");
  node_config.clean_start = true;  // the outbox, not the broker session, holds the node's backlog
  node_config.session_expiry_s = 0;
  MqttBus bus(node_config);
  node::OutboxSender sender(*outbox, bus, 16);
  ASSERT_TRUE(bus.start());
  ASSERT_TRUE(bus.wait_connected(3000));

  // The node's stage: one reading every 10 ms, outage or not.
  const int total = 200;
  std::atomic<int> produced{0};
  std::thread stage([&] {
    for (int seq = 0; seq < total; ++seq) {
      node::Reading reading{"edge-1", "soil", static_cast<uint64_t>(seq), 1700000000000 + seq, {{"v", 1.0 * seq}}, {}};
      EXPECT_EQ(sender.send(node::topics::data("edge-1", "soil", "out"), node::encode_reading(reading)),
                node::PushOutcome::kStored);
      ++produced;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });

  ASSERT_TRUE(wait_until([&] { return produced >= 30; }, 5000));
  broker.stop();  // SIGTERM: the broker saves the cloud's session and exits
  const int produced_at_stop = produced;
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  // produced first: a reading is counted only after its push returned, so
  // every counted one is already in the outbox when size() is read.
  const int produced_during_outage = produced - produced_at_stop;
  const size_t backlog_during_outage = outbox->size();
  // ~2 s at one reading per 10 ms (plus a synced commit each): well over 20
  // even under a sanitizer.
  EXPECT_GT(produced_during_outage, 20) << "the stage must keep running during the outage";
  ASSERT_TRUE(broker.start()) << broker.log();

  stage.join();
  ASSERT_TRUE(wait_until([&] { return received.snapshot().size() >= static_cast<size_t>(total); }, 10000))
      << "received " << received.snapshot().size() << " of " << total;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // would-be duplicates

  // QoS 1 is at-least-once on each leg: a broker that stops may already have
  // forwarded a message whose PUBACK it never flushed to the node, and the
  // node then rightly sends it again. So the raw stream may repeat messages
  // of the in-flight window at the outage, never anything else; first
  // arrivals are complete and in order, and idempotent ingest (node, stage,
  // seq) stores each reading exactly once.
  std::vector<uint64_t> seqs, first_arrivals;
  std::vector<bool> seen(total, false);
  for (const node::Message& message : received.snapshot()) {
    auto reading = node::decode_reading(message.payload);
    ASSERT_TRUE(reading);
    ASSERT_LT(reading->seq, static_cast<uint64_t>(total));
    seqs.push_back(reading->seq);
    if (!seen[reading->seq]) first_arrivals.push_back(reading->seq);
    seen[reading->seq] = true;
  }
  std::vector<uint64_t> expected(total);
  for (int i = 0; i < total; ++i) expected[i] = static_cast<uint64_t>(i);
  EXPECT_EQ(first_arrivals, expected) << describe_difference(seqs, total);
  EXPECT_LE(seqs.size() - total, 16u) << "repeats beyond the in-flight window: " << describe_difference(seqs, total);
  for (size_t i = 1; i < seqs.size(); ++i) {
    if (seqs[i] <= seqs[i - 1]) {
      EXPECT_LT(seqs[i - 1] - seqs[i], 16u) << "a repeat from outside the window";
    }
  }
  if (seqs.size() != static_cast<size_t>(total)) std::printf("note: %s\n", describe_difference(seqs, total).c_str());

  auto store = SqliteReadingStore::open((dir.path() / "cloud.db").string());
  ASSERT_TRUE(store);
  node::IngestWorker ingest(cloud, *store);
  for (const node::Message& message : received.snapshot()) ingest.handle(message);
  EXPECT_EQ(store->count(), static_cast<uint64_t>(total));
  EXPECT_EQ(ingest.counters().duplicates, seqs.size() - total);

  // Nothing produced during the outage can have been acknowledged.
  EXPECT_GE(backlog_during_outage, static_cast<size_t>(produced_during_outage))
      << "messages were buffered in the outbox during the outage";
  ASSERT_TRUE(wait_until([&] { return outbox->size() == 0; }, 3000));
  EXPECT_EQ(outbox->overflow_count(), 0u);
  EXPECT_EQ(sender.acknowledged(), static_cast<uint64_t>(total));
  EXPECT_GE(bus.connect_count(), 2u);
}

// A node that restarts with unsent messages in its outbox sends them first.
TEST(OutboxOutage, BacklogFromAPreviousRunIsSentOnStart) {
  if (testing::find_program("mosquitto").empty()) GTEST_SKIP() << "mosquitto not installed";
  testing::MosquittoServer broker;
  ASSERT_TRUE(broker.start()) << broker.log();
  testing::TempDir dir;
  const std::string path = (dir.path() / "outbox.db").string();
  {
    // Previous run: stored, never sent (no broker configured then).
    auto outbox = SqliteOutbox::open({path, 100});
    ASSERT_TRUE(outbox);
    for (int i = 0; i < 5; ++i) outbox->push("ctm/v1/data/e/s/out", "old" + std::to_string(i));
  }
  MqttConfig listener_config;
  listener_config.port = broker.port();
  MqttBus listener(listener_config);
  testing::Collector received;
  received.attach(listener);
  listener.subscribe("ctm/v1/data/#", 1);
  ASSERT_TRUE(listener.start());
  ASSERT_TRUE(listener.wait_subscribed(3000));

  auto outbox = SqliteOutbox::open({path, 100});
  ASSERT_TRUE(outbox);
  MqttConfig node_config;
  node_config.port = broker.port();
  MqttBus bus(node_config);
  node::OutboxSender sender(*outbox, bus, 2);  // small window: several rounds of acks
  ASSERT_TRUE(bus.start());
  ASSERT_TRUE(bus.wait_connected(3000));
  sender.send("ctm/v1/data/e/s/out", "new");

  auto messages = received.wait_for(6, 3000);
  ASSERT_EQ(messages.size(), 6u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(messages[i].payload, "old" + std::to_string(i));
  EXPECT_EQ(messages[5].payload, "new");
  ASSERT_TRUE(wait_until([&] { return outbox->size() == 0; }, 3000));
}

}  // namespace
}  // namespace continuum::adapters
