#include "continuum/adapters/sqlite_outbox.h"

#include "sqlite_db.h"
#include "wal_checkpointer.h"

namespace continuum::adapters {

using node::OutboxEntry;
using node::OverflowPolicy;
using node::PushOutcome;
using node::Status;

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS outbox (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  topic   TEXT NOT NULL,
  payload BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox_counters (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
INSERT OR IGNORE INTO outbox_counters (name, value) VALUES ('overflow', 0);
)sql";

}  // namespace

SqliteOutbox::SqliteOutbox(SqliteOutboxConfig config)
    : config_(std::move(config)), db_(std::make_unique<sqlite::Database>()) {}

SqliteOutbox::~SqliteOutbox() = default;

std::unique_ptr<SqliteOutbox> SqliteOutbox::open(SqliteOutboxConfig config, Status* status) {
  std::unique_ptr<SqliteOutbox> outbox(new SqliteOutbox(std::move(config)));
  Status result = outbox->init();
  if (status) *status = result;
  return result ? std::move(outbox) : nullptr;
}

Status SqliteOutbox::init() {
  if (config_.capacity == 0) return Status::failure("outbox: capacity must be at least 1");
  if (Status s = db_->open(config_.path, durability()); !s) return s;
  if (Status s = db_->exec(kSchema); !s) return s;
  if (!checkpointer_) {
    // Checkpoints off the message path (wal_checkpointer.h).
    if (Status s = db_->exec("PRAGMA wal_autocheckpoint=0"); !s) return s;
    checkpointer_ = std::make_unique<sqlite::WalCheckpointer>();
    if (Status s = checkpointer_->start(config_.path, durability()); !s) return s;
  }
  sqlite::Statement count = db_->prepare("SELECT COUNT(*) FROM outbox");
  if (count.step() == SQLITE_ROW) size_ = static_cast<std::size_t>(count.column_int(0));
  sqlite::Statement overflow = db_->prepare("SELECT value FROM outbox_counters WHERE name = 'overflow'");
  if (overflow.step() == SQLITE_ROW) overflow_ = static_cast<uint64_t>(overflow.column_int(0));
  return Status::success();
}

sqlite::Durability SqliteOutbox::durability() const {
  return config_.sync == OutboxSync::kFull ? sqlite::Durability::kFull : sqlite::Durability::kNormal;
}

bool SqliteOutbox::insert_locked(std::string_view topic, std::string_view payload) {
  sqlite::Statement insert = db_->cached("INSERT INTO outbox (topic, payload) VALUES (?, ?)");
  insert.bind(1, topic).bind(2, payload);
  if (insert.step() != SQLITE_DONE) return false;
  ++size_;
  return true;
}

bool SqliteOutbox::count_overflow_locked() {
  sqlite::Statement bump = db_->cached("UPDATE outbox_counters SET value = value + 1 WHERE name = 'overflow'");
  if (bump.step() != SQLITE_DONE) return false;
  ++overflow_;
  return true;
}

PushOutcome SqliteOutbox::push(std::string_view topic, std::string_view payload) {
  std::unique_lock lock(mutex_);
  if (size_ < config_.capacity) return insert_locked(topic, payload) ? PushOutcome::kStored : PushOutcome::kFailed;

  switch (config_.policy) {
    case OverflowPolicy::kDropNewest:
      count_overflow_locked();
      return PushOutcome::kRefused;

    case OverflowPolicy::kBlock:
      if (room_.wait_for(lock, config_.block_timeout, [this] { return size_ < config_.capacity; }))
        return insert_locked(topic, payload) ? PushOutcome::kStored : PushOutcome::kFailed;
      count_overflow_locked();
      return PushOutcome::kRefused;

    case OverflowPolicy::kDropOldest: {
      // One transaction: the oldest message goes only if the new one is in.
      if (!db_->exec_cached("BEGIN IMMEDIATE")) return PushOutcome::kFailed;
      sqlite::Statement drop = db_->cached("DELETE FROM outbox WHERE id = (SELECT MIN(id) FROM outbox)");
      bool ok = drop.step() == SQLITE_DONE && db_->changes() == 1;
      if (ok) --size_;
      ok = ok && insert_locked(topic, payload) && count_overflow_locked();
      if (!ok || !db_->exec_cached("COMMIT")) {
        db_->exec_cached("ROLLBACK");
        // Re-read the true state rather than guess which steps stuck.
        init();
        return PushOutcome::kFailed;
      }
      return PushOutcome::kStoredDroppedOldest;
    }
  }
  return PushOutcome::kFailed;
}

std::vector<PushOutcome> SqliteOutbox::push_batch(const std::vector<std::pair<std::string, std::string>>& messages) {
  {
    std::unique_lock lock(mutex_);
    if (size_ + messages.size() <= config_.capacity) {
      // Group commit: what piled up while the last commit ran goes in one
      // transaction, so a busy node pays one fsync per batch, not per message.
      bool ok = static_cast<bool>(db_->exec_cached("BEGIN IMMEDIATE"));
      std::size_t inserted = 0;
      for (const auto& [topic, payload] : messages) {
        if (!ok) break;
        ok = insert_locked(topic, payload);
        if (ok) ++inserted;
      }
      if (ok && db_->exec_cached("COMMIT")) return std::vector<PushOutcome>(messages.size(), PushOutcome::kStored);
      db_->exec_cached("ROLLBACK");
      size_ -= inserted;
      return std::vector<PushOutcome>(messages.size(), PushOutcome::kFailed);
    }
  }
  // At the bound the overflow policy decides message by message.
  return Outbox::push_batch(messages);
}

std::vector<OutboxEntry> SqliteOutbox::peek(int64_t after_id, std::size_t max) {
  std::lock_guard lock(mutex_);
  std::vector<OutboxEntry> entries;
  sqlite::Statement select = db_->cached("SELECT id, topic, payload FROM outbox WHERE id > ? ORDER BY id LIMIT ?");
  select.bind(1, after_id).bind(2, static_cast<int64_t>(max));
  while (select.step() == SQLITE_ROW)
    entries.push_back({select.column_int(0), select.column_text(1), select.column_text(2)});
  return entries;
}

Status SqliteOutbox::remove(int64_t id) {
  std::lock_guard lock(mutex_);
  // A delete need not be durable: one lost in a crash means the message is
  // sent again, which receivers take for a duplicate. So it is committed
  // without the fsync (WAL + synchronous=NORMAL); the next insert's FULL
  // commit syncs the WAL including it. Saves one fsync per message, on the
  // network thread that handles the acks.
  const bool full = config_.sync == OutboxSync::kFull;
  if (full) db_->exec("PRAGMA synchronous=NORMAL");
  sqlite::Statement erase = db_->cached("DELETE FROM outbox WHERE id = ?");
  erase.bind(1, id);
  int rc = erase.step();
  if (full) db_->exec("PRAGMA synchronous=FULL");
  if (rc != SQLITE_DONE) return Status::failure("outbox: delete failed: " + db_->error());
  if (db_->changes() > 0) {
    --size_;
    room_.notify_all();
  }
  return Status::success();
}

Status SqliteOutbox::remove_many(const std::vector<int64_t>& ids) {
  if (ids.size() == 1) return remove(ids.front());
  std::lock_guard lock(mutex_);
  // As remove(): not durable on its own (a lost delete only re-sends).
  const bool full = config_.sync == OutboxSync::kFull;
  if (full) db_->exec("PRAGMA synchronous=NORMAL");
  bool ok = static_cast<bool>(db_->exec_cached("BEGIN IMMEDIATE"));
  std::size_t removed = 0;
  for (std::size_t k = 0; ok && k < ids.size(); ++k) {
    sqlite::Statement erase = db_->cached("DELETE FROM outbox WHERE id = ?");
    erase.bind(1, ids[k]);
    ok = erase.step() == SQLITE_DONE;
    if (ok) removed += static_cast<std::size_t>(db_->changes());
  }
  if (ok) ok = static_cast<bool>(db_->exec_cached("COMMIT"));
  if (!ok) db_->exec_cached("ROLLBACK");
  if (full) db_->exec("PRAGMA synchronous=FULL");
  if (!ok) return Status::failure("outbox: delete failed: " + db_->error());
  if (removed > 0) {
    size_ -= removed;
    room_.notify_all();
  }
  return Status::success();
}

std::size_t SqliteOutbox::size() {
  std::lock_guard lock(mutex_);
  return size_;
}

uint64_t SqliteOutbox::overflow_count() {
  std::lock_guard lock(mutex_);
  return overflow_;
}

}  // namespace continuum::adapters
