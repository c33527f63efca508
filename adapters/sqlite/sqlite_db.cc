#include "sqlite_db.h"

namespace continuum::adapters::sqlite {

using node::Status;

Statement::Statement(sqlite3* db, std::string_view sql) {
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  }
}

Statement::~Statement() { release(); }

void Statement::release() {
  if (borrowed_) {
    reset();
  } else {
    sqlite3_finalize(stmt_);
  }
  stmt_ = nullptr;
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    release();
    stmt_ = other.stmt_;
    borrowed_ = other.borrowed_;
    other.stmt_ = nullptr;
  }
  return *this;
}

Statement& Statement::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}
Statement& Statement::bind(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}
Statement& Statement::bind(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}

int Statement::step() { return stmt_ ? sqlite3_step(stmt_) : SQLITE_MISUSE; }

void Statement::reset() {
  if (!stmt_) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::column_text(int index) const {
  const unsigned char* text = sqlite3_column_text(stmt_, index);
  return text ? std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(sqlite3_column_bytes(stmt_, index)))
              : std::string();
}

Database::~Database() {
  cache_.clear();  // finalized before the connection closes
  sqlite3_close_v2(db_);
}

Statement Database::cached(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                           nullptr) != SQLITE_OK) {
      sqlite3_finalize(stmt);
      return Statement();  // not valid: step() answers SQLITE_MISUSE, error() says why
    }
    it = cache_.emplace(std::string(sql), std::unique_ptr<sqlite3_stmt, Finalize>(stmt)).first;
  }
  return Statement(it->second.get(), Statement::Borrowed{});
}

Status Database::exec_cached(std::string_view sql) {
  Statement statement = cached(sql);
  int rc = statement.step();
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return Status::failure("sqlite: " + error());
  return Status::success();
}

Status Database::open(const std::string& path, Durability durability, int busy_timeout_ms) {
  cache_.clear();  // statements of an earlier connection
  if (db_) sqlite3_close_v2(db_);
  db_ = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK)
    return Status::failure("sqlite: cannot open " + path + ": " + error());
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  // WAL: writers do not block readers, and another process (an ingest
  // worker, a query tool) can read while the node writes.
  if (Status s = exec("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"); !s) return s;
  if (Status s = exec(durability == Durability::kFull ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL"); !s)
    return s;
  return Status::success();
}

Status Database::exec(std::string_view sql) {
  char* message = nullptr;
  std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    Status failure = Status::failure(std::string("sqlite: ") + (message ? message : error()));
    sqlite3_free(message);
    return failure;
  }
  return Status::success();
}

}  // namespace continuum::adapters::sqlite
