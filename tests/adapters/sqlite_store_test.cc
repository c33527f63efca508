// SqliteReadingStore: idempotent insert, range query, aggregation, retention.
#include <gtest/gtest.h>

#include <thread>

#include "continuum/adapters/sqlite_reading_store.h"
#include "support/server_process.h"

namespace continuum::adapters {
namespace {

using node::InsertOutcome;
using node::Reading;

Reading make(const std::string& node, uint64_t seq, int64_t ts, double value) {
  return Reading{node, "soil", seq, ts, {{"moisture", value}}, {}};
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    node::Status status;
    store_ = SqliteReadingStore::open((dir_.path() / "readings.db").string(), &status);
    ASSERT_TRUE(store_) << status.message;
  }
  testing::TempDir dir_;
  std::unique_ptr<SqliteReadingStore> store_;
};

TEST_F(SqliteStoreTest, SameNodeStageSeqIsStoredOnce) {
  EXPECT_EQ(store_->insert(make("a", 1, 1000, 0.5), 1010), InsertOutcome::kInserted);
  // A redelivery, even with different content, does not add or change a row.
  EXPECT_EQ(store_->insert(make("a", 1, 1000, 0.9), 1020), InsertOutcome::kDuplicate);
  // Same seq from another node or stage is a different reading.
  EXPECT_EQ(store_->insert(make("b", 1, 1000, 0.7), 1010), InsertOutcome::kInserted);
  Reading other_stage = make("a", 1, 1000, 0.1);
  other_stage.stage = "pump";
  EXPECT_EQ(store_->insert(other_stage, 1010), InsertOutcome::kInserted);
  EXPECT_EQ(store_->count(), 3u);

  auto stored = store_->range("a", "soil", {0, 10000});
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].received_ms, 1010);
  ASSERT_EQ(stored[0].reading.values.size(), 1u);
  EXPECT_EQ(stored[0].reading.values[0].second, 0.5);
}

TEST_F(SqliteStoreTest, RangeIsHalfOpenAndOrderedByTime) {
  Reading with_hop = make("a", 3, 3000, 3);
  with_hop.hops.push_back({"fog", 3005});
  with_hop.text_values.push_back({"mode", "auto"});
  ASSERT_EQ(store_->insert(with_hop, 3010), InsertOutcome::kInserted);
  ASSERT_EQ(store_->insert(make("a", 1, 1000, 1), 1010), InsertOutcome::kInserted);
  ASSERT_EQ(store_->insert(make("a", 2, 2000, 2), 2010), InsertOutcome::kInserted);
  ASSERT_EQ(store_->insert(make("a", 4, 4000, 4), 4010), InsertOutcome::kInserted);

  auto stored = store_->range("a", "soil", {2000, 4000});
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].reading.seq, 2u);
  EXPECT_EQ(stored[1].reading.seq, 3u);
  ASSERT_EQ(stored[1].reading.hops.size(), 1u);
  EXPECT_EQ(stored[1].reading.hops[0].node, "fog");
  EXPECT_EQ(stored[1].reading.hops[0].ts_ms, 3005);
  ASSERT_EQ(stored[1].reading.values.size(), 1u);
  EXPECT_EQ(stored[1].reading.values[0], (std::pair<std::string, double>{"moisture", 3}));
  ASSERT_EQ(stored[1].reading.text_values.size(), 1u);
  EXPECT_EQ(stored[1].reading.text_values[0], (std::pair<std::string, std::string>{"mode", "auto"}));
  // Text members do not enter numeric aggregates.
  EXPECT_TRUE(store_->aggregate("a", "soil", "mode", {0, 10000}, 1000).empty());
}

TEST_F(SqliteStoreTest, AggregatesPerBucket) {
  // Bucket [0,1000): 1, 2, 6 ; bucket [2000,3000): 10 ; bucket [1000,2000) empty.
  const std::pair<int64_t, double> points[] = {{0, 1}, {400, 2}, {999, 6}, {2500, 10}, {3000, -1}};
  uint64_t seq = 0;
  for (auto [ts, value] : points) ASSERT_EQ(store_->insert(make("a", seq++, ts, value), ts), InsertOutcome::kInserted);

  auto buckets = store_->aggregate("a", "soil", "moisture", {0, 3000}, 1000);
  ASSERT_EQ(buckets.size(), 2u);
  EXPECT_EQ(buckets[0].start_ms, 0);
  EXPECT_EQ(buckets[0].count, 3u);
  EXPECT_EQ(buckets[0].min, 1);
  EXPECT_EQ(buckets[0].max, 6);
  EXPECT_DOUBLE_EQ(buckets[0].mean, 3);
  EXPECT_EQ(buckets[1].start_ms, 2000);
  EXPECT_EQ(buckets[1].count, 1u);
  EXPECT_EQ(buckets[1].mean, 10);
  EXPECT_TRUE(store_->aggregate("a", "soil", "nosuchfield", {0, 3000}, 1000).empty());
}

TEST_F(SqliteStoreTest, RetentionDeletesOldReadingsAndTheirValues) {
  for (uint64_t seq = 0; seq < 10; ++seq) ASSERT_EQ(store_->insert(make("a", seq, seq * 100, 1), 0), InsertOutcome::kInserted);
  ASSERT_TRUE(store_->delete_before(500));
  EXPECT_EQ(store_->count(), 5u);
  auto buckets = store_->aggregate("a", "soil", "moisture", {0, 10000}, 10000);
  ASSERT_EQ(buckets.size(), 1u);
  EXPECT_EQ(buckets[0].count, 5u);  // values went with their readings
  // A deleted reading may be stored again (it is new to the store now).
  EXPECT_EQ(store_->insert(make("a", 0, 0, 1), 0), InsertOutcome::kInserted);
}

TEST_F(SqliteStoreTest, TwoConnectionsToOneFileStoreEachReadingOnce) {
  auto second = SqliteReadingStore::open((dir_.path() / "readings.db").string());
  ASSERT_TRUE(second);
  // Both writers try every reading concurrently: each must be stored exactly once.
  int inserted[2] = {0, 0};
  auto writer = [&](SqliteReadingStore* store, int index) {
    for (uint64_t seq = 0; seq < 200; ++seq)
      if (store->insert(make("a", seq, static_cast<int64_t>(seq), 1), 0) == InsertOutcome::kInserted) ++inserted[index];
  };
  std::thread one(writer, store_.get(), 0), two(writer, second.get(), 1);
  one.join();
  two.join();
  EXPECT_EQ(inserted[0] + inserted[1], 200);
  EXPECT_EQ(store_->count(), 200u);
}

}  // namespace
}  // namespace continuum::adapters
