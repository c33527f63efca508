// SqliteOutbox: the node's durable outbox in one SQLite file (WAL).
//
// push() returns only after the message is committed. With OutboxSync::kFull
// (synchronous=FULL, the default) the commit includes an fsync of the WAL, so
// a message reported stored survives a process crash and a power loss or
// kernel crash. With kNormal (synchronous=NORMAL) the commit is written to the
// WAL without an fsync: it survives the node process crashing or being killed
// (the data is in the kernel's page cache), but the last commits before a
// power loss or kernel crash can be lost (the file itself stays consistent);
// the WAL is fsynced only at checkpoints. ids come from
// AUTOINCREMENT and therefore keep increasing across deletions and restarts,
// which is what keeps resends in order. The outbox is bounded: at `capacity`
// messages the overflow policy applies and the overflow counter (kept in the
// file too) counts every message lost or refused.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include "continuum/node/outbox.h"

namespace continuum::adapters {

namespace sqlite {
class Database;
class WalCheckpointer;
enum class Durability;
}

// What a commit waits for (see the top of this file).
enum class OutboxSync { kFull, kNormal };

struct SqliteOutboxConfig {
  std::string path;
  std::size_t capacity = 100000;
  node::OverflowPolicy policy = node::OverflowPolicy::kDropOldest;
  std::chrono::milliseconds block_timeout{1000};  // kBlock: longest wait for room
  OutboxSync sync = OutboxSync::kFull;
};

class SqliteOutbox final : public node::Outbox {
 public:
  // nullptr (and *status set) when the file cannot be opened or set up.
  static std::unique_ptr<SqliteOutbox> open(SqliteOutboxConfig config, node::Status* status = nullptr);
  ~SqliteOutbox() override;

  node::PushOutcome push(std::string_view topic, std::string_view payload) override;
  // One transaction (one fsync) when the batch fits; else push() each.
  std::vector<node::PushOutcome> push_batch(
      const std::vector<std::pair<std::string, std::string>>& messages) override;
  std::vector<node::OutboxEntry> peek(int64_t after_id, std::size_t max) override;
  node::Status remove(int64_t id) override;
  node::Status remove_many(const std::vector<int64_t>& ids) override;  // one transaction
  std::size_t size() override;
  uint64_t overflow_count() override;

 private:
  explicit SqliteOutbox(SqliteOutboxConfig config);
  node::Status init();
  sqlite::Durability durability() const;
  bool insert_locked(std::string_view topic, std::string_view payload);
  bool count_overflow_locked();

  SqliteOutboxConfig config_;
  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<sqlite::WalCheckpointer> checkpointer_;  // closed before db_
  std::mutex mutex_;
  std::condition_variable room_;  // signalled when remove() frees a slot
  std::size_t size_ = 0;
  uint64_t overflow_ = 0;
};

}  // namespace continuum::adapters
