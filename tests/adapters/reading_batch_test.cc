// Reading batches (docs/protocol.md, "Batches"; node/core reading_batch.h):
// the format itself (split, encode, what is refused), ingest of batches
// against a real SQLite store (each element a reading, idempotent by
// (node, stage, seq)), and the outbox sender's opportunistic batching
// against a real SQLite outbox and a real mosquitto, including a broker
// outage while batches are in flight.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "continuum/adapters/mqtt_bus.h"
#include "continuum/adapters/sqlite_outbox.h"
#include "continuum/adapters/sqlite_reading_store.h"
#include "continuum/node/ingest.h"
#include "continuum/node/outbox_sender.h"
#include "continuum/node/reading.h"
#include "continuum/node/reading_batch.h"
#include "continuum/node/topics.h"
#include "support/collector.h"
#include "support/mqtt_probe.h"
#include "support/poll.h"
#include "support/server_process.h"

namespace continuum::adapters {
namespace {

using testing::eventually;

std::string envelope(const std::string& node, uint64_t seq) {
  node::Reading r{node, "soil", seq, 1700000000000 + int64_t(seq), {{"v", 0.5 * double(seq)}}, {}};
  return node::encode_reading(r);
}

// The seqs a received message carries: its own, or each element's.
std::vector<uint64_t> seqs_of(const node::Message& m, std::size_t* elements = nullptr) {
  std::vector<uint64_t> out;
  std::vector<std::string_view> texts{m.payload};
  if (node::is_reading_batch(m.payload)) {
    auto split = node::split_reading_batch(m.payload);
    EXPECT_TRUE(split) << m.payload.substr(0, 200);
    if (split) texts = *split;
  }
  if (elements) *elements = texts.size();
  for (std::string_view t : texts) {
    auto r = node::decode_reading(t);
    EXPECT_TRUE(r) << t;
    if (r) out.push_back(r->seq);
  }
  return out;
}

// The cloud's side: every data message on BUS goes to RECEIVED.
void collect_data(MqttBus& bus, testing::Collector& received) {
  received.attach(bus);
  bus.subscribe(node::topics::all_data(), 1);
  ASSERT_TRUE(bus.start());
  ASSERT_TRUE(bus.wait_subscribed(10000));
}

TEST(ReadingBatch, SplitsWhatEncodeBuildsIntoTheSameEnvelopes) {
  std::vector<std::string> envelopes;
  // Strings with braces, brackets, quotes and escapes must not confuse the splitter.
  envelopes.push_back("{\"node\":\"a\",\"stage\":\"s\",\"seq\":1,\"ts\":2,\"values\":{\"t\":\"}]\\\"{[\\\\\"}}");
  for (uint64_t seq = 0; seq < 5; ++seq) envelopes.push_back(envelope("edge-1", seq));
  std::vector<std::string_view> views(envelopes.begin(), envelopes.end());
  std::string batch = node::encode_reading_batch(views);
  std::size_t bytes = 0;
  for (const std::string& e : envelopes) bytes += e.size();
  EXPECT_EQ(batch.size(), node::reading_batch_size(views.size(), bytes));  // what a sender bounds by
  ASSERT_TRUE(node::is_reading_batch(batch));
  auto split = node::split_reading_batch(batch);
  ASSERT_TRUE(split);
  ASSERT_EQ(split->size(), envelopes.size());
  for (std::size_t k = 0; k < envelopes.size(); ++k) EXPECT_EQ((*split)[k], envelopes[k]);
  auto first = node::decode_reading((*split)[0]);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->text_values[0].second, "}]\"{[\\");
  // Whitespace as JSON allows it.
  auto spaced = node::split_reading_batch(" { \"batch\" : [ " + envelopes[1] + " ,\n" + envelopes[2] + " ] } ");
  ASSERT_TRUE(spaced);
  EXPECT_EQ(spaced->size(), 2u);
}

TEST(ReadingBatch, ASingleEnvelopeIsNotABatch) {
  EXPECT_FALSE(node::is_reading_batch(envelope("edge-1", 7)));
  EXPECT_FALSE(node::is_reading_batch("{\"node\":\"batch\",\"batch\":[]}"));
  EXPECT_FALSE(node::is_reading_batch(""));
  EXPECT_FALSE(node::is_reading_batch("[{\"batch\":1}]"));
}

TEST(ReadingBatch, MalformedBatchesAreRefusedWithAReason) {
  const std::string e = envelope("edge-1", 1);
  const std::vector<std::string> bad = {
      "{\"batch\":[]}",                        // empty
      "{\"batch\":{}}",                        // not an array
      "{\"batch\":[1,2]}",                     // elements not objects
      "{\"batch\":[" + e + "," + "]}",         // trailing comma
      "{\"batch\":[" + e + "]",                // unterminated
      "{\"batch\":[" + e + "]} x",             // trailing bytes
      "{\"batch\":[" + e + "],\"more\":1}",    // a second member
      "{\"batch\":[{\"a\":\"unterminated}]}",  // string never ends
      "{\"batch\":[{\"a\":[}]}",               // mismatched brackets
  };
  for (const std::string& payload : bad) {
    std::string why;
    EXPECT_FALSE(node::split_reading_batch(payload, &why)) << payload;
    EXPECT_FALSE(why.empty()) << payload;
  }
  std::vector<std::string_view> too_many(node::kMaxBatchReadings + 1, e);
  std::string why;
  EXPECT_FALSE(node::split_reading_batch(node::encode_reading_batch(too_many), &why));
  EXPECT_NE(why.find("at most 256"), std::string::npos) << why;
  std::vector<std::string_view> most(node::kMaxBatchReadings, e);
  EXPECT_TRUE(node::split_reading_batch(node::encode_reading_batch(most)));
}

// Ingest takes a batch as its readings: each stored once, a repeated batch
// (QoS 1 redelivery) only counts duplicates, a bad element is rejected alone.
TEST(ReadingBatch, IngestStoresEachElementOnceAndIsIdempotent) {
  testing::TempDir dir;
  auto store = SqliteReadingStore::open((dir.path() / "cloud.db").string());
  ASSERT_TRUE(store);
  MqttBus unused(MqttConfig{});  // handle() needs no connection
  node::IngestWorker ingest(unused, *store);
  std::vector<std::string> envelopes;
  for (uint64_t seq = 0; seq < 40; ++seq) envelopes.push_back(envelope("edge-7", seq));
  envelopes.push_back("{\"node\":\"edge-7\",\"stage\":\"soil\",\"ts\":1,\"values\":{}}");  // no seq
  std::vector<std::string_view> views(envelopes.begin(), envelopes.end());
  node::Message m{node::topics::data("edge-7", "soil", "out"), node::encode_reading_batch(views)};
  ingest.handle(m);
  ingest.handle(m);
  ingest.handle({m.topic, "{\"batch\":[1]}"});  // a malformed batch counts once
  node::IngestCounters c = ingest.counters();
  EXPECT_EQ(store->count(), 40u);
  EXPECT_EQ(c.stored, 40u);
  EXPECT_EQ(c.duplicates, 40u);
  EXPECT_EQ(c.rejected, 3u);  // the seq-less element twice, the bad batch once
  EXPECT_EQ(c.received, 83u);
}

// Entries stored while the bus was down leave in batches once it connects:
// every reading arrives once, in order, no batch over the bound, and
// non-envelope payloads on the same topic still go alone.
TEST(ReadingBatch, OutboxSenderBatchesABacklogAndKeepsOrder) {
  if (testing::find_program("mosquitto").empty()) GTEST_SKIP() << "mosquitto not installed";
  testing::MosquittoServer broker;
  ASSERT_TRUE(broker.start()) << broker.log();
  MqttBus cloud(testing::quick_reconnect_client(broker.port()));
  testing::Collector received;
  ASSERT_NO_FATAL_FAILURE(collect_data(cloud, received));
  testing::TempDir dir;
  node::Status status;
  auto outbox = SqliteOutbox::open({(dir.path() / "outbox.db").string(), 10000}, &status);
  ASSERT_TRUE(outbox) << status.message;
  MqttBus bus(testing::quick_reconnect_client(broker.port()));
  node::OutboxSender sender(*outbox, bus, 4);
  sender.set_batching(20);
  const std::string topic = node::topics::data("edge-1", "soil", "out");
  const int total = 300;
  for (int seq = 0; seq < total; ++seq) {
    if (seq == 150) sender.post(topic, "not an envelope");  // alone, in its place
    sender.post(topic, envelope("edge-1", uint64_t(seq)));
  }
  sender.flush_posted();
  ASSERT_EQ(outbox->size(), std::size_t(total + 1));
  ASSERT_TRUE(bus.start());

  std::vector<uint64_t> seqs;
  std::size_t largest = 0, plain_at = 0;
  ASSERT_TRUE(eventually([&] {
    seqs.clear();
    std::vector<node::Message> got = received.snapshot();
    for (const node::Message& m : got) {
      if (m.payload == "not an envelope") {
        plain_at = seqs.size();
        continue;
      }
      std::size_t elements = 0;
      for (uint64_t s : seqs_of(m, &elements)) seqs.push_back(s);
      largest = std::max(largest, elements);
    }
    return seqs.size() >= std::size_t(total);
  })) << seqs.size();
  ASSERT_EQ(seqs.size(), std::size_t(total));
  for (int seq = 0; seq < total; ++seq) ASSERT_EQ(seqs[seq], uint64_t(seq));
  EXPECT_EQ(plain_at, 150u);
  EXPECT_EQ(largest, 20u);  // a backlog fills batches to the bound, never past it
  EXPECT_GT(sender.batches_sent(), 0u);
  EXPECT_LT(received.snapshot().size(), std::size_t(total / 10));
  EXPECT_TRUE(eventually([&] { return outbox->size() == 0; }));
  EXPECT_EQ(sender.acknowledged(), uint64_t(total + 1));
}

// The broker goes away while batches are in flight and comes back: every
// reading reaches ingest (a batch not acknowledged is sent again whole) and
// is stored exactly once.
TEST(ReadingBatch, BrokerOutageMidBatchLosesNothingAndStoresOnce) {
  if (testing::find_program("mosquitto").empty()) GTEST_SKIP() << "mosquitto not installed";
  testing::MosquittoServer broker({.persistence = true});
  ASSERT_TRUE(broker.start()) << broker.log();
  MqttConfig cloud_config = testing::quick_reconnect_client(broker.port(), "cloud-b", 5);
  cloud_config.clean_start = false;  // the broker keeps what arrives for the cloud during its own restart
  cloud_config.session_expiry_s = 300;
  MqttBus cloud(cloud_config);
  testing::Collector received;
  ASSERT_NO_FATAL_FAILURE(collect_data(cloud, received));
  testing::TempDir dir;
  node::Status status;
  auto outbox = SqliteOutbox::open({(dir.path() / "outbox.db").string(), 100000}, &status);
  ASSERT_TRUE(outbox) << status.message;
  MqttBus bus(testing::quick_reconnect_client(broker.port(), "edge-b", 5));
  node::OutboxSender sender(*outbox, bus, 8);
  sender.set_batching(64);
  ASSERT_TRUE(bus.start());
  ASSERT_TRUE(bus.wait_connected(10000));
  const std::string topic = node::topics::data("edge-2", "soil", "out");
  const int total = 6000;
  // Paced (at least 3 s in all) so that the outage below falls in the middle
  // of the stream on any machine: unpaced, a quiet machine had sent all of it
  // before the broker stopped, and nothing was tested.
  std::atomic<int> posted{0};
  std::thread producer([&] {
    for (int seq = 0; seq < total; ++seq) {
      sender.post(topic, envelope("edge-2", uint64_t(seq)));
      posted = seq + 1;
      if (seq % 4 == 3) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  auto readings_received = [&] {
    std::size_t n = 0;
    for (const node::Message& m : received.snapshot()) n += seqs_of(m).size();
    return n;
  };
  ASSERT_TRUE(eventually([&] { return readings_received() > 200; }));
  broker.stop();
  EXPECT_LT(posted.load(), total) << "the stream ended before the outage";
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_TRUE(broker.start()) << broker.log();
  producer.join();
  sender.flush_posted();
  ASSERT_TRUE(eventually([&] { return outbox->size() == 0; }, std::chrono::seconds(60))) << outbox->size();
  EXPECT_GT(sender.batches_sent(), 0u);

  auto store = SqliteReadingStore::open((dir.path() / "cloud.db").string());
  ASSERT_TRUE(store);
  node::IngestWorker ingest(cloud, *store);
  ASSERT_TRUE(eventually([&] {
    return readings_received() >= std::size_t(total);
  })) << readings_received();
  for (const node::Message& m : received.snapshot()) ingest.handle(m);
  EXPECT_EQ(store->count(), uint64_t(total));
  EXPECT_EQ(ingest.counters().rejected, 0u);
  EXPECT_TRUE(eventually([&] { return bus.connect_count() >= 2u; })) << "the sender never reconnected";
}

}  // namespace
}  // namespace continuum::adapters
