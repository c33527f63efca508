#include "continuum/adapters/sqlite_reading_store.h"

#include <nlohmann/json.hpp>

#include "sqlite_db.h"
#include "wal_checkpointer.h"

namespace continuum::adapters {

using node::Bucket;
using node::InsertOutcome;
using node::Reading;
using node::Status;
using node::StoredReading;
using node::TimeRange;

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS readings (
  id          INTEGER PRIMARY KEY,
  node        TEXT    NOT NULL,
  stage       TEXT    NOT NULL,
  seq         INTEGER NOT NULL,
  ts_ms       INTEGER NOT NULL,
  received_ms INTEGER NOT NULL,
  hops        TEXT,
  UNIQUE (node, stage, seq)
);
CREATE INDEX IF NOT EXISTS readings_by_series_time ON readings (node, stage, ts_ms);
CREATE INDEX IF NOT EXISTS readings_by_time ON readings (ts_ms);
CREATE TABLE IF NOT EXISTS reading_values (
  reading_id INTEGER NOT NULL REFERENCES readings (id) ON DELETE CASCADE,
  field      TEXT    NOT NULL,
  value      REAL,              -- numeric members (booleans as 0/1)
  text       TEXT,              -- string members; exactly one of value/text is set
  PRIMARY KEY (reading_id, field)
) WITHOUT ROWID;
)sql";

// Hops (with the stage when the payload named it) in one JSON column, in the
// payload's own format (node/core encode_hops).
std::string encode_hops(const Reading& reading) { return node::encode_hops(reading.hops); }

void decode_hops(const std::string& text, Reading& reading) { node::decode_hops(text, &reading.hops); }

}  // namespace

SqliteReadingStore::SqliteReadingStore() : db_(std::make_unique<sqlite::Database>()) {}
SqliteReadingStore::~SqliteReadingStore() = default;

std::unique_ptr<SqliteReadingStore> SqliteReadingStore::open(const std::string& path, Status* status) {
  std::unique_ptr<SqliteReadingStore> store(new SqliteReadingStore());
  Status result = store->init(path);
  if (status) *status = result;
  return result ? std::move(store) : nullptr;
}

Status SqliteReadingStore::init(const std::string& path) {
  if (Status s = db_->open(path, sqlite::Durability::kNormal); !s) return s;
  if (Status s = db_->exec(kSchema); !s) return s;
  // Checkpoints off the ingest path (wal_checkpointer.h): a checkpoint inside
  // an insert would hold up the network thread that receives readings.
  if (Status s = db_->exec("PRAGMA wal_autocheckpoint=0"); !s) return s;
  checkpointer_ = std::make_unique<sqlite::WalCheckpointer>();
  return checkpointer_->start(path, sqlite::Durability::kNormal);
}

// One reading's rows inside the caller's transaction: kInserted, kDuplicate
// (nothing written) or kFailed (last_error_ set; the caller rolls back).
InsertOutcome SqliteReadingStore::insert_rows_locked(const Reading& reading, int64_t received_ms) {
  sqlite::Statement add = db_->cached(
      "INSERT INTO readings (node, stage, seq, ts_ms, received_ms, hops) VALUES (?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (node, stage, seq) DO NOTHING");
  add.bind(1, reading.node)
      .bind(2, reading.stage)
      .bind(3, static_cast<int64_t>(reading.seq))
      .bind(4, reading.ts_ms)
      .bind(5, received_ms)
      .bind(6, encode_hops(reading));
  auto fail = [&] {
    last_error_ = db_->error();
    return InsertOutcome::kFailed;
  };
  if (add.step() != SQLITE_DONE) return fail();
  if (db_->changes() == 0) return InsertOutcome::kDuplicate;
  const int64_t id = sqlite3_last_insert_rowid(db_->handle());
  sqlite::Statement value = db_->cached(
      "INSERT INTO reading_values (reading_id, field, value) VALUES (?, ?, ?) "
      "ON CONFLICT (reading_id, field) DO UPDATE SET value = excluded.value");
  for (const auto& [field, number] : reading.values) {
    value.bind(1, id).bind(2, field).bind(3, number);
    if (value.step() != SQLITE_DONE) return fail();
    value.reset();
  }
  sqlite::Statement text = db_->cached(
      "INSERT INTO reading_values (reading_id, field, text) VALUES (?, ?, ?) "
      "ON CONFLICT (reading_id, field) DO UPDATE SET text = excluded.text");
  for (const auto& [field, string] : reading.text_values) {
    text.bind(1, id).bind(2, field).bind(3, std::string_view(string));
    if (text.step() != SQLITE_DONE) return fail();
    text.reset();
  }
  return InsertOutcome::kInserted;
}

InsertOutcome SqliteReadingStore::insert(const Reading& reading, int64_t received_ms) {
  std::lock_guard lock(mutex_);
  // IMMEDIATE: take the write lock up front, so two workers on one file wait
  // for each other (busy timeout) instead of failing on a lock upgrade.
  if (Status s = db_->exec_cached("BEGIN IMMEDIATE"); !s) {
    last_error_ = s.message;
    return InsertOutcome::kFailed;
  }
  InsertOutcome outcome = insert_rows_locked(reading, received_ms);
  if (outcome != InsertOutcome::kInserted) {
    db_->exec_cached("ROLLBACK");
    return outcome;
  }
  if (Status s = db_->exec_cached("COMMIT"); !s) {
    last_error_ = s.message;
    db_->exec_cached("ROLLBACK");
    return InsertOutcome::kFailed;
  }
  return InsertOutcome::kInserted;
}

std::vector<InsertOutcome> SqliteReadingStore::insert_batch(const std::vector<std::pair<Reading, int64_t>>& readings) {
  {
    std::lock_guard lock(mutex_);
    // One transaction for the batch: consecutive readings share the pages of
    // the tables and indexes, so the WAL gets them once, not once per reading.
    if (db_->exec_cached("BEGIN IMMEDIATE")) {
      std::vector<InsertOutcome> outcomes;
      outcomes.reserve(readings.size());
      bool ok = true;
      for (const auto& [reading, received_ms] : readings) {
        outcomes.push_back(insert_rows_locked(reading, received_ms));
        if (outcomes.back() == InsertOutcome::kFailed) {
          ok = false;
          break;
        }
      }
      if (ok && db_->exec_cached("COMMIT")) return outcomes;
      db_->exec_cached("ROLLBACK");
    }
  }
  // A failure anywhere: each reading on its own, so one bad reading (or a
  // busy file) costs only itself.
  return ReadingStore::insert_batch(readings);
}

std::vector<StoredReading> SqliteReadingStore::range(const std::string& node, const std::string& stage,
                                                     TimeRange range) {
  std::lock_guard lock(mutex_);
  std::vector<StoredReading> out;
  sqlite::Statement select = db_->prepare(
      "SELECT r.id, r.seq, r.ts_ms, r.received_ms, r.hops, v.field, v.value, v.text "
      "FROM readings r LEFT JOIN reading_values v ON v.reading_id = r.id "
      "WHERE r.node = ? AND r.stage = ? AND r.ts_ms >= ? AND r.ts_ms < ? "
      "ORDER BY r.ts_ms, r.seq, v.field");
  select.bind(1, node).bind(2, stage).bind(3, range.from_ms).bind(4, range.to_ms);
  int64_t current_id = -1;
  while (select.step() == SQLITE_ROW) {
    if (select.column_int(0) != current_id) {
      current_id = select.column_int(0);
      StoredReading stored;
      stored.reading.node = node;
      stored.reading.stage = stage;
      stored.reading.seq = static_cast<uint64_t>(select.column_int(1));
      stored.reading.ts_ms = select.column_int(2);
      stored.received_ms = select.column_int(3);
      decode_hops(select.column_text(4), stored.reading);
      out.push_back(std::move(stored));
    }
    // A reading without values joins to a NULL field.
    if (!select.column_is_null(6))
      out.back().reading.values.emplace_back(select.column_text(5), select.column_double(6));
    else if (!select.column_is_null(7))
      out.back().reading.text_values.emplace_back(select.column_text(5), select.column_text(7));
  }
  return out;
}

std::vector<Bucket> SqliteReadingStore::aggregate(const std::string& node, const std::string& stage,
                                                  const std::string& field, TimeRange range, int64_t bucket_ms) {
  std::lock_guard lock(mutex_);
  std::vector<Bucket> out;
  if (bucket_ms <= 0) {
    last_error_ = "aggregate: bucket_ms must be positive";
    return out;
  }
  sqlite::Statement select = db_->prepare(
      "SELECT (r.ts_ms / ?1) * ?1 AS bucket, COUNT(v.value), MIN(v.value), MAX(v.value), AVG(v.value) "
      "FROM readings r JOIN reading_values v ON v.reading_id = r.id "
      "WHERE r.node = ?2 AND r.stage = ?3 AND v.field = ?4 AND v.value IS NOT NULL AND r.ts_ms >= ?5 AND r.ts_ms < ?6 "
      "GROUP BY bucket ORDER BY bucket");
  select.bind(1, bucket_ms).bind(2, node).bind(3, stage).bind(4, field).bind(5, range.from_ms).bind(6, range.to_ms);
  while (select.step() == SQLITE_ROW) {
    out.push_back({select.column_int(0), static_cast<uint64_t>(select.column_int(1)), select.column_double(2),
                   select.column_double(3), select.column_double(4)});
  }
  return out;
}

uint64_t SqliteReadingStore::count_range(const std::string& node, const std::string& stage, TimeRange range) {
  std::lock_guard lock(mutex_);
  // Answered from the (node, stage, ts_ms) index alone.
  sqlite::Statement select =
      db_->prepare("SELECT COUNT(*) FROM readings WHERE node = ?1 AND stage = ?2 AND ts_ms >= ?3 AND ts_ms < ?4");
  select.bind(1, node).bind(2, stage).bind(3, range.from_ms).bind(4, range.to_ms);
  return select.step() == SQLITE_ROW ? static_cast<uint64_t>(select.column_int(0)) : 0;
}

std::optional<std::vector<node::SeriesKey>> SqliteReadingStore::series() {
  std::lock_guard lock(mutex_);
  // One pass over all stored values (no index covers field names): fine for
  // the API's occasional listing, not for a hot path.
  sqlite::Statement select = db_->prepare(
      "SELECT DISTINCT r.node, r.stage, v.field FROM readings r JOIN reading_values v ON v.reading_id = r.id "
      "WHERE v.value IS NOT NULL ORDER BY r.node, r.stage, v.field");
  std::vector<node::SeriesKey> out;
  int rc;
  while ((rc = select.step()) == SQLITE_ROW)
    out.push_back({select.column_text(0), select.column_text(1), select.column_text(2)});
  if (rc != SQLITE_DONE) {
    last_error_ = "series: " + db_->error();
    return std::nullopt;
  }
  return out;
}

uint64_t SqliteReadingStore::count() {
  std::lock_guard lock(mutex_);
  sqlite::Statement select = db_->prepare("SELECT COUNT(*) FROM readings");
  return select.step() == SQLITE_ROW ? static_cast<uint64_t>(select.column_int(0)) : 0;
}

Status SqliteReadingStore::delete_before(int64_t cutoff_ms) {
  std::lock_guard lock(mutex_);
  sqlite::Statement erase = db_->prepare("DELETE FROM readings WHERE ts_ms < ?");
  erase.bind(1, cutoff_ms);
  if (erase.step() != SQLITE_DONE) return Status::failure("retention: " + db_->error());
  return Status::success();
}

std::string SqliteReadingStore::last_error() {
  std::lock_guard lock(mutex_);
  return last_error_;
}

}  // namespace continuum::adapters
