// IngestWorker: decoding, idempotent storage, latency per hop and end to end,
// and two workers sharing the load through an MQTT 5 shared subscription.
#include <gtest/gtest.h>

#include <thread>

#include "continuum/adapters/mqtt_bus.h"
#include "continuum/adapters/sqlite_reading_store.h"
#include "continuum/node/ingest.h"
#include "continuum/node/topics.h"
#include "support/server_process.h"

namespace continuum::adapters {
namespace {

using node::IngestWorker;
using node::Message;
using node::Reading;

// The worker's bus is unused when messages are handed in directly.
class NoBus final : public node::MessageBus {
 public:
  void set_message_handler(MessageHandler) override {}
  void set_ack_handler(AckHandler) override {}
  void set_connection_handler(ConnectionHandler) override {}
  node::Status publish(const std::string&, std::string_view, int, bool, int*) override {
    return node::Status::failure("no bus");
  }
  node::Status subscribe(const std::string&, int) override { return node::Status::success(); }
  bool connected() const override { return false; }
};

Message data_message(const Reading& reading) {
  return {node::topics::data(reading.node, reading.stage, "out"), node::encode_reading(reading), false};
}

// Group commit (the node agent's mode): readings are queued and stored in
// batches by a writer thread; after flush() the store and the counters hold
// exactly what the synchronous path would have: every reading once, the
// duplicates (also within one batch) and the rejected counted, on_stored
// called once per stored reading, in order.
TEST(Ingest, GroupCommitStoresEachReadingOnceInOrder) {
  testing::TempDir dir;
  auto store = SqliteReadingStore::open((dir.path() / "r.db").string());
  ASSERT_TRUE(store);
  NoBus bus;
  std::vector<uint64_t> stored_seqs;  // on the writer thread; read after flush()
  node::IngestConfig config;
  config.now_ms = [] { return int64_t(50'000); };
  config.group_commit = true;
  config.on_stored = [&](const Reading& r, int64_t) { stored_seqs.push_back(r.seq); };
  IngestWorker worker(bus, *store, config);
  for (uint64_t seq = 0; seq < 500; ++seq) {
    worker.handle(data_message(Reading{"edge-1", "soil", seq, 40'000 + int64_t(seq), {{"moisture", 0.5}}, {}}));
    if (seq % 50 == 0)  // the same reading again, close enough to share its batch
      worker.handle(data_message(Reading{"edge-1", "soil", seq, 40'000 + int64_t(seq), {{"moisture", 0.5}}, {}}));
  }
  worker.handle({"ctm/v1/data/edge-1/soil/out", "{broken", false});
  worker.flush();

  node::IngestCounters c = worker.counters();
  EXPECT_EQ(c.received, 511u);
  EXPECT_EQ(c.stored, 500u);
  EXPECT_EQ(c.duplicates, 10u);
  EXPECT_EQ(c.rejected, 1u);
  EXPECT_EQ(c.failed, 0u);
  EXPECT_EQ(store->count(), 500u);
  std::vector<uint64_t> expected(500);
  for (uint64_t i = 0; i < 500; ++i) expected[i] = i;
  EXPECT_EQ(stored_seqs, expected);
  auto rows = store->range("edge-1", "soil", {40'000, 41'000});
  ASSERT_EQ(rows.size(), 500u);
  EXPECT_EQ(rows[499].reading.values, (std::vector<std::pair<std::string, double>>{{"moisture", 0.5}}));
  EXPECT_EQ(worker.end_to_end().count, 500u);
}

TEST(Ingest, StoresOnceAndMeasuresEveryHop) {
  testing::TempDir dir;
  auto store = SqliteReadingStore::open((dir.path() / "r.db").string());
  ASSERT_TRUE(store);
  NoBus bus;
  int64_t now = 10'000;
  IngestWorker worker(bus, *store, {.now_ms = [&] { return now; }});

  // edge-1 at 9000 -> fog-1 received at 9040 -> ingest at 10000.
  Reading via_fog{"edge-1", "soil", 1, 9'000, {{"moisture", 0.4}}, {{"fog-1", 9'040, "filter"}}};
  worker.handle(data_message(via_fog));
  // Direct edge -> cloud, 250 ms.
  now = 10'500;
  worker.handle(data_message(Reading{"edge-1", "soil", 2, 10'250, {{"moisture", 0.5}}, {}}));
  // A redelivery of seq 1 and a malformed payload.
  now = 11'000;
  worker.handle(data_message(via_fog));
  worker.handle({"ctm/v1/data/edge-1/soil/out", "{broken", false});

  auto counters = worker.counters();
  EXPECT_EQ(counters.received, 4u);
  EXPECT_EQ(counters.stored, 2u);
  EXPECT_EQ(counters.duplicates, 1u);
  EXPECT_EQ(counters.rejected, 1u);
  EXPECT_EQ(store->count(), 2u);

  auto e2e = worker.end_to_end();
  EXPECT_EQ(e2e.count, 2u);  // the duplicate is not measured twice
  EXPECT_EQ(e2e.min_ms, 250);
  EXPECT_EQ(e2e.max_ms, 1000);
  EXPECT_DOUBLE_EQ(e2e.mean_ms(), 625);

  auto hops = worker.hops();
  ASSERT_EQ(hops.size(), 3u);
  // Named by where the reading was: the origin (not named by a reading with
  // hops), fog-1's filter stage, ingest; a direct reading's origin is its emitter.
  EXPECT_EQ(hops["origin->fog-1/filter"].count, 1u);
  EXPECT_EQ(hops["origin->fog-1/filter"].max_ms, 40);
  EXPECT_EQ(hops["fog-1/filter->ingest"].max_ms, 960);
  EXPECT_EQ(hops["edge-1/soil->ingest"].max_ms, 250);

  // The store keeps when ingest received it (end-to-end latency per reading).
  auto stored = store->range("edge-1", "soil", {0, 20'000});
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].received_ms - stored[0].reading.ts_ms, 1000);
  EXPECT_EQ(stored[1].received_ms - stored[1].reading.ts_ms, 250);
}

// Two workers, one shared subscription, one database: every reading stored
// once, including readings the network delivered twice.
TEST(Ingest, TwoWorkersOnASharedSubscriptionStoreEachReadingOnce) {
  if (testing::find_program("mosquitto").empty()) GTEST_SKIP() << "mosquitto not installed";
  testing::MosquittoServer broker;
  ASSERT_TRUE(broker.start()) << broker.log();
  testing::TempDir dir;
  const std::string db = (dir.path() / "cloud.db").string();

  auto make_config = [&](const std::string& id) {
    MqttConfig config;
    config.port = broker.port();
    config.client_id = id;
    return config;
  };
  MqttBus bus1(make_config("ingest-1")), bus2(make_config("ingest-2"));
  auto store1 = SqliteReadingStore::open(db), store2 = SqliteReadingStore::open(db);
  ASSERT_TRUE(store1 && store2);
  IngestWorker worker1(bus1, *store1, {.share_group = "ingest"});
  IngestWorker worker2(bus2, *store2, {.share_group = "ingest"});
  ASSERT_TRUE(worker1.start());
  ASSERT_TRUE(worker2.start());
  ASSERT_TRUE(bus1.start());
  ASSERT_TRUE(bus2.start());
  ASSERT_TRUE(bus1.wait_subscribed(3000) && bus2.wait_subscribed(3000));

  MqttBus edge(make_config("edge-1"));
  ASSERT_TRUE(edge.start());
  ASSERT_TRUE(edge.wait_connected(3000));
  const int total = 200, redelivered = 20;
  auto send = [&](int seq) {
    Reading reading{"edge-1", "soil", static_cast<uint64_t>(seq), 1'700'000'000'000 + seq, {{"v", 1.0 * seq}}, {}};
    ASSERT_TRUE(edge.publish(node::topics::data("edge-1", "soil", "out"), node::encode_reading(reading), 1, false,
                             nullptr));
  };
  for (int seq = 0; seq < total; ++seq) send(seq);
  for (int seq = 0; seq < redelivered; ++seq) send(seq);

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (worker1.counters().received + worker2.counters().received < total + redelivered &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));

  auto c1 = worker1.counters(), c2 = worker2.counters();
  EXPECT_EQ(c1.received + c2.received, static_cast<uint64_t>(total + redelivered));
  EXPECT_EQ(c1.stored + c2.stored, static_cast<uint64_t>(total));
  EXPECT_EQ(c1.duplicates + c2.duplicates, static_cast<uint64_t>(redelivered));
  EXPECT_EQ(c1.failed + c2.failed, 0u) << store1->last_error() << store2->last_error();
  EXPECT_GT(c1.stored, 0u) << "worker 1 got no share of the load";
  EXPECT_GT(c2.stored, 0u) << "worker 2 got no share of the load";
  EXPECT_EQ(store1->count(), static_cast<uint64_t>(total));
  EXPECT_EQ(store1->range("edge-1", "soil", {0, INT64_MAX}).size(), static_cast<size_t>(total));
}

}  // namespace
}  // namespace continuum::adapters
