// Thin RAII over the SQLite C API, shared by the outbox and the reading
// store: a connection in WAL mode and prepared statements.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "continuum/node/status.h"

namespace continuum::adapters::sqlite {

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, std::string_view sql);
  // Borrows a statement the Database keeps prepared (Database::cached): the
  // destructor resets it for its next use instead of finalizing it.
  struct Borrowed {};
  Statement(sqlite3_stmt* stmt, Borrowed) : stmt_(stmt), borrowed_(true) {}
  ~Statement();
  Statement(Statement&& other) noexcept : stmt_(other.stmt_), borrowed_(other.borrowed_) { other.stmt_ = nullptr; }
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool valid() const { return stmt_ != nullptr; }
  // Binds by 1-based index; returns *this for chaining.
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view value);
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  // Ready for the next execution (bindings cleared).
  void reset();

  int64_t column_int(int index) const { return sqlite3_column_int64(stmt_, index); }
  double column_double(int index) const { return sqlite3_column_double(stmt_, index); }
  std::string column_text(int index) const;
  bool column_is_null(int index) const { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }

 private:
  void release();  // finalize, or reset when borrowed

  sqlite3_stmt* stmt_ = nullptr;
  bool borrowed_ = false;
};

// How hard a commit tries to survive. Both are WAL mode, so a crash of the
// process never loses a commit; they differ on power loss.
enum class Durability {
  kFull,    // fsync on every commit: the outbox, which promised "stored"
  kNormal,  // fsync at checkpoints: the reading store, where a power loss may
            // cost the last readings (already acknowledged to the broker) in
            // exchange for ingest throughput
};

class Database {
 public:
  Database() = default;
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Opens (creating) the file in WAL mode.
  node::Status open(const std::string& path, Durability durability, int busy_timeout_ms = 5000);
  node::Status exec(std::string_view sql);
  Statement prepare(std::string_view sql) { return Statement(db_, sql); }
  // The same statement, prepared once per connection and reused: for the
  // per-message statements (outbox insert/delete, ingest insert), where
  // compiling the SQL each time cost more than running it. One use at a time
  // per SQL text (callers hold their own mutex); the returned Statement
  // resets it when it goes out of scope.
  Statement cached(std::string_view sql);
  // exec() of one cached statement without results (BEGIN, COMMIT, PRAGMA).
  node::Status exec_cached(std::string_view sql);
  std::string error() const { return db_ ? sqlite3_errmsg(db_) : "database not open"; }
  int64_t changes() const { return sqlite3_changes(db_); }
  sqlite3* handle() { return db_; }

 private:
  sqlite3* db_ = nullptr;
  struct Finalize {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
  };
  std::unordered_map<std::string, std::unique_ptr<sqlite3_stmt, Finalize>> cache_;  // before db_ closes
};

}  // namespace continuum::adapters::sqlite
