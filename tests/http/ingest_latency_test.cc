// IngestWorker's latency: one histogram per hop leg and end to end, since
// start and over the recent window, with the worker's clock injected.
#include <gtest/gtest.h>

#include "support/server_process.h"
#include "continuum/adapters/sqlite_reading_store.h"
#include "continuum/node/ingest.h"

namespace continuum::node {
namespace {

class NoBus : public MessageBus {
 public:
  void set_message_handler(MessageHandler) override {}
  void set_ack_handler(AckHandler) override {}
  void set_connection_handler(ConnectionHandler) override {}
  Status publish(const std::string&, std::string_view, int, bool, int*) override { return {}; }
  Status subscribe(const std::string&, int) override { return {}; }
  bool connected() const override { return false; }
};

TEST(IngestLatency, PerLegAndEndToEndSinceStartAndRecent) {
  testing::TempDir dir;
  auto store = adapters::SqliteReadingStore::open((dir.path() / "r.db").string());
  ASSERT_TRUE(store);
  NoBus bus;
  int64_t now = 0;
  std::vector<uint64_t> stored_seqs;
  IngestConfig config;
  config.now_ms = [&] { return now; };
  config.latency_window_ms = 60'000;
  config.on_stored = [&](const Reading& r, int64_t received_ms) {
    stored_seqs.push_back(r.seq);
    EXPECT_EQ(received_ms, now);
  };
  IngestWorker worker(bus, *store, config);
  auto deliver = [&](uint64_t seq, int64_t ts, std::vector<Hop> hops) {
    Reading r{"edge-1", "soil", seq, ts, {{"m", 1.0}}, std::move(hops), {}};
    worker.handle({"ctm/v1/data/edge-1/soil/out", encode_reading(r), false});
  };
  // t = 1 s: via fog-1 (40 ms edge -> fog, 960 ms fog -> ingest); a hop
  // without a stage (older payloads) is named by its node alone.
  now = 1'000;
  deliver(1, 0, {{"fog-1", 40}});
  // t = 100 s: direct, 20 ms.
  now = 100'000;
  deliver(2, 99'980, {});
  deliver(2, 99'980, {});  // a duplicate: neither measured nor announced
  EXPECT_EQ(stored_seqs, (std::vector<uint64_t>{1, 2}));

  IngestLatency l = worker.latency();
  EXPECT_EQ(l.window_ms, 60'000);
  EXPECT_EQ(l.end_to_end.total.count, 2u);
  EXPECT_DOUBLE_EQ(l.end_to_end.total.min_ms, 20);
  EXPECT_DOUBLE_EQ(l.end_to_end.total.max_ms, 1000);
  EXPECT_EQ(l.end_to_end.recent.count, 1u);  // the t = 1 s reading left the window
  EXPECT_DOUBLE_EQ(l.end_to_end.recent.p99_ms, 20);
  ASSERT_EQ(l.hops.size(), 3u);
  EXPECT_EQ(l.hops["origin->fog-1"].total.count, 1u);
  EXPECT_DOUBLE_EQ(l.hops["origin->fog-1"].total.p50_ms, 40);
  EXPECT_EQ(l.hops["origin->fog-1"].recent.count, 0u);
  EXPECT_DOUBLE_EQ(l.hops["fog-1->ingest"].total.max_ms, 960);
  EXPECT_EQ(l.hops["edge-1/soil->ingest"].recent.count, 1u);
  // The older accessors agree with the totals.
  EXPECT_EQ(worker.end_to_end().count, 2u);
  EXPECT_DOUBLE_EQ(worker.hops()["fog-1->ingest"].max_ms, 960);
}

}  // namespace
}  // namespace continuum::node
