// SqliteReadingStore: the default reading storage, one SQLite file (WAL).
//
// Schema (indexed time series):
//   readings(id, node, stage, seq, ts_ms, received_ms, hops)
//     UNIQUE (node, stage, seq)     -> idempotent insert
//     INDEX  (node, stage, ts_ms)   -> range queries and aggregation
//     INDEX  (ts_ms)                -> retention
//   reading_values(reading_id -> readings.id ON DELETE CASCADE, field, value | text)
// WAL with synchronous=NORMAL: a crash of the process loses nothing, a power
// loss may lose the last commits (the outbox, by contrast, syncs every commit).
// Several ingest workers (threads or processes) may share one file: each
// opens its own store; SQLite serialises the writes (busy timeout 5 s).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "continuum/node/reading_store.h"

namespace continuum::adapters {

namespace sqlite {
class Database;
class WalCheckpointer;
}

class SqliteReadingStore final : public node::ReadingStore {
 public:
  static std::unique_ptr<SqliteReadingStore> open(const std::string& path, node::Status* status = nullptr);
  ~SqliteReadingStore() override;

  node::InsertOutcome insert(const node::Reading& reading, int64_t received_ms) override;
  // One transaction for the whole batch (on a failure: one per reading).
  std::vector<node::InsertOutcome> insert_batch(
      const std::vector<std::pair<node::Reading, int64_t>>& readings) override;
  std::vector<node::StoredReading> range(const std::string& node, const std::string& stage,
                                         node::TimeRange range) override;
  std::vector<node::Bucket> aggregate(const std::string& node, const std::string& stage, const std::string& field,
                                      node::TimeRange range, int64_t bucket_ms) override;
  std::optional<std::vector<node::SeriesKey>> series() override;
  uint64_t count_range(const std::string& node, const std::string& stage, node::TimeRange range) override;
  uint64_t count() override;
  node::Status delete_before(int64_t cutoff_ms) override;
  std::string last_error() override;

 private:
  node::InsertOutcome insert_rows_locked(const node::Reading& reading, int64_t received_ms);
  SqliteReadingStore();
  node::Status init(const std::string& path);

  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<sqlite::WalCheckpointer> checkpointer_;  // closed before db_
  std::mutex mutex_;
  std::string last_error_;
};

}  // namespace continuum::adapters
