// SqliteOutbox: order, durability across reopen, bound and overflow policies.
#include <gtest/gtest.h>

#include <thread>

#include "continuum/adapters/sqlite_outbox.h"
#include "support/server_process.h"

namespace continuum::adapters {
namespace {

using node::OverflowPolicy;
using node::PushOutcome;

std::unique_ptr<SqliteOutbox> open_outbox(const testing::TempDir& dir, std::size_t capacity,
                                          OverflowPolicy policy, int block_ms = 1000) {
  node::Status status;
  auto outbox = SqliteOutbox::open({(dir.path() / "outbox.db").string(), capacity, policy,
                                    std::chrono::milliseconds(block_ms)},
                                   &status);
  EXPECT_TRUE(outbox) << status.message;
  return outbox;
}

std::vector<std::string> payloads(node::Outbox& outbox) {
  std::vector<std::string> out;
  for (const auto& entry : outbox.peek(0, 1000)) out.push_back(entry.payload);
  return out;
}

// sync = "normal" drops the fsync, not the commit: what push() reported
// stored is in the file for any other reader at once (it would survive the
// process being killed), and the order and deletes work as with FULL.
TEST(SqliteOutbox, NormalSyncStillCommitsEachPush) {
  testing::TempDir dir;
  SqliteOutboxConfig config{(dir.path() / "outbox.db").string(), 100, OverflowPolicy::kDropOldest};
  config.sync = OutboxSync::kNormal;
  node::Status status;
  auto outbox = SqliteOutbox::open(config, &status);
  ASSERT_TRUE(outbox) << status.message;
  for (int i = 0; i < 3; ++i) ASSERT_EQ(outbox->push("t", "m" + std::to_string(i)), PushOutcome::kStored);
  ASSERT_TRUE(outbox->remove(outbox->peek(0, 1).at(0).id));
  ASSERT_EQ(outbox->push("t", "m3"), PushOutcome::kStored);
  // A second connection while the first is still open: sees exactly the commits.
  auto reader = open_outbox(dir, 100, OverflowPolicy::kDropOldest);
  EXPECT_EQ(payloads(*reader), (std::vector<std::string>{"m1", "m2", "m3"}));
}

TEST(SqliteOutbox, KeepsOrderAndSurvivesReopen) {
  testing::TempDir dir;
  int64_t second_id = 0;
  {
    auto outbox = open_outbox(dir, 100, OverflowPolicy::kDropOldest);
    for (int i = 0; i < 5; ++i) ASSERT_EQ(outbox->push("t/" + std::to_string(i), "m" + std::to_string(i)), PushOutcome::kStored);
    auto entries = outbox->peek(0, 2);
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].topic, "t/0");
    EXPECT_LT(entries[0].id, entries[1].id);
    second_id = entries[1].id;
    ASSERT_TRUE(outbox->remove(entries[0].id));  // acknowledged
  }
  // "Process restart": a new outbox on the same file.
  auto outbox = open_outbox(dir, 100, OverflowPolicy::kDropOldest);
  EXPECT_EQ(outbox->size(), 4u);
  EXPECT_EQ(payloads(*outbox), (std::vector<std::string>{"m1", "m2", "m3", "m4"}));
  // peek continues after a given id, in order.
  auto rest = outbox->peek(second_id, 10);
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest[0].payload, "m2");
  // New ids keep increasing after deletions and reopen.
  ASSERT_EQ(outbox->push("t", "m5"), PushOutcome::kStored);
  EXPECT_GT(outbox->peek(rest.back().id, 10).at(0).id, rest.back().id);
}

TEST(SqliteOutbox, DropOldestKeepsTheNewestAndCounts) {
  testing::TempDir dir;
  auto outbox = open_outbox(dir, 3, OverflowPolicy::kDropOldest);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(outbox->push("t", "m" + std::to_string(i)), PushOutcome::kStored);
  EXPECT_EQ(outbox->push("t", "m3"), PushOutcome::kStoredDroppedOldest);
  EXPECT_EQ(outbox->push("t", "m4"), PushOutcome::kStoredDroppedOldest);
  EXPECT_EQ(payloads(*outbox), (std::vector<std::string>{"m2", "m3", "m4"}));
  EXPECT_EQ(outbox->size(), 3u);
  EXPECT_EQ(outbox->overflow_count(), 2u);
  outbox.reset();
  EXPECT_EQ(open_outbox(dir, 3, OverflowPolicy::kDropOldest)->overflow_count(), 2u);  // counter is durable
}

TEST(SqliteOutbox, DropNewestRefusesAndCounts) {
  testing::TempDir dir;
  auto outbox = open_outbox(dir, 2, OverflowPolicy::kDropNewest);
  ASSERT_EQ(outbox->push("t", "m0"), PushOutcome::kStored);
  ASSERT_EQ(outbox->push("t", "m1"), PushOutcome::kStored);
  EXPECT_EQ(outbox->push("t", "m2"), PushOutcome::kRefused);
  EXPECT_EQ(payloads(*outbox), (std::vector<std::string>{"m0", "m1"}));
  EXPECT_EQ(outbox->overflow_count(), 1u);
}

TEST(SqliteOutbox, BlockWaitsForRoomThenTimesOut) {
  testing::TempDir dir;
  auto outbox = open_outbox(dir, 1, OverflowPolicy::kBlock, 150);
  ASSERT_EQ(outbox->push("t", "m0"), PushOutcome::kStored);

  // Full and nobody acknowledges: refused after the timeout, counted.
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(outbox->push("t", "m1"), PushOutcome::kRefused);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(140));
  EXPECT_EQ(outbox->overflow_count(), 1u);

  // An acknowledgement from another thread makes room: the blocked push stores.
  const int64_t first = outbox->peek(0, 1).at(0).id;
  std::thread acker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    outbox->remove(first);
  });
  EXPECT_EQ(outbox->push("t", "m2"), PushOutcome::kStored);
  acker.join();
  EXPECT_EQ(payloads(*outbox), (std::vector<std::string>{"m2"}));
  EXPECT_EQ(outbox->overflow_count(), 1u);
}

}  // namespace
}  // namespace continuum::adapters
