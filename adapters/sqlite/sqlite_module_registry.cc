#include "continuum/adapters/sqlite_module_registry.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "continuum/ota/semver.h"
#include "sqlite_db.h"
#include "continuum/node/wall_clock.h"

namespace continuum::adapters {

using node::Status;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kColumns =
    "sha256, name, version, key_id, size, imports, required_grants, added_ms";

std::string imports_json(const std::vector<ota::ModuleImport>& imports) {
  json out = json::array();
  for (const auto& i : imports) out.push_back({{"module", i.module}, {"name", i.name}, {"kind", i.kind}});
  return out.dump();
}

std::vector<ota::ModuleImport> imports_from_json(const std::string& text) {
  std::vector<ota::ModuleImport> out;
  json j = json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const json& i : j) out.push_back({i.value("module", ""), i.value("name", ""), i.value("kind", "")});
  return out;
}

bool is_sha256_hex(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// Temporary name, fsync, rename: the blob is either whole or absent.
bool write_blob(const fs::path& path, std::string_view bytes, std::string* error) {
  fs::path temp = path;
  temp += ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = "cannot create " + temp.string() + ": " + std::strerror(errno);
    return false;
  }
  bool ok = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) && ::fsync(fd) == 0;
  ::close(fd);
  std::error_code ec;
  if (ok) fs::rename(temp, path, ec);
  if (!ok || ec) {
    *error = "cannot write " + path.string() + ": " + (ec ? ec.message() : std::strerror(errno));
    fs::remove(temp, ec);
    return false;
  }
  return true;
}

}  // namespace

SqliteModuleRegistry::SqliteModuleRegistry(const ota::Crypto& crypto) : crypto_(crypto) {}
SqliteModuleRegistry::~SqliteModuleRegistry() = default;

Status SqliteModuleRegistry::open(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir / "blobs", ec);
  if (ec) return Status::failure("cannot create " + (dir / "blobs").string() + ": " + ec.message());
  dir_ = dir;
  db_ = std::make_unique<sqlite::Database>();
  if (Status s = db_->open((dir / "registry.db").string(), sqlite::Durability::kFull); !s) return s;
  return db_->exec(
      "CREATE TABLE IF NOT EXISTS modules ("
      " sha256 TEXT PRIMARY KEY, name TEXT NOT NULL, version TEXT NOT NULL, key_id TEXT NOT NULL,"
      " size INTEGER NOT NULL, imports TEXT NOT NULL, required_grants TEXT NOT NULL, added_ms INTEGER NOT NULL,"
      " UNIQUE (name, version))");
}

std::optional<ota::AddOutcome> SqliteModuleRegistry::add(std::string_view module, std::string* error) {
  auto record = ota::describe_for_registry(module, crypto_, error);
  if (!record) return std::nullopt;
  if (auto existing = by_hash(record->sha256)) return ota::AddOutcome{*existing, false};
  if (auto taken = by_name_version(record->name, record->version)) {
    *error = record->name + " " + record->version + " is already registered as " + taken->sha256 +
             " (a published version names one module forever; sign this one with a new version)";
    return std::nullopt;
  }
  if (!write_blob(blob_path(record->sha256), module, error)) return std::nullopt;
  record->added_ms = node::wall_clock_ms();
  std::lock_guard lock(mutex_);
  auto insert = db_->prepare(
      "INSERT INTO modules (sha256, name, version, key_id, size, imports, required_grants, added_ms)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, record->sha256)
      .bind(2, record->name)
      .bind(3, record->version)
      .bind(4, record->key_id)
      .bind(5, static_cast<int64_t>(record->size))
      .bind(6, imports_json(record->imports))
      .bind(7, json(record->required_grants).dump())
      .bind(8, record->added_ms);
  if (insert.step() != SQLITE_DONE) {
    *error = "registry: cannot insert " + record->sha256 + ": " + db_->error();
    return std::nullopt;
  }
  return ota::AddOutcome{*record, true};
}

std::vector<ota::ModuleRecord> SqliteModuleRegistry::query(std::string_view where, std::string_view a,
                                                           std::string_view b) {
  std::lock_guard lock(mutex_);
  std::vector<ota::ModuleRecord> out;
  auto select = db_->prepare("SELECT " + std::string(kColumns) + " FROM modules " + std::string(where));
  if (!select.valid()) return out;
  if (!a.empty()) select.bind(1, a);
  if (!b.empty()) select.bind(2, b);
  while (select.step() == SQLITE_ROW) {
    ota::ModuleRecord r;
    r.sha256 = select.column_text(0);
    r.name = select.column_text(1);
    r.version = select.column_text(2);
    r.key_id = select.column_text(3);
    r.size = static_cast<uint64_t>(select.column_int(4));
    r.imports = imports_from_json(select.column_text(5));
    json grants = json::parse(select.column_text(6), nullptr, false);
    if (grants.is_array()) r.required_grants = grants.get<std::vector<std::string>>();
    r.added_ms = select.column_int(7);
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<ota::ModuleRecord> SqliteModuleRegistry::by_hash(std::string_view sha256_hex) {
  auto rows = query("WHERE sha256 = ?", sha256_hex);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::optional<ota::ModuleRecord> SqliteModuleRegistry::by_name_version(std::string_view name,
                                                                       std::string_view version) {
  auto rows = query("WHERE name = ? AND version = ?", name, version);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::optional<ota::ModuleRecord> SqliteModuleRegistry::latest(std::string_view name) {
  // Semver precedence is not SQL string order (1.10.0 > 1.9.0), so sort here.
  auto rows = query("WHERE name = ?", name);
  if (rows.empty()) return std::nullopt;
  ota::sort_records(rows);
  return rows.back();
}

std::vector<ota::ModuleRecord> SqliteModuleRegistry::list() {
  auto rows = query("");
  ota::sort_records(rows);
  return rows;
}

std::optional<std::string> SqliteModuleRegistry::read_module(std::string_view sha256_hex, std::string* error) {
  if (!is_sha256_hex(sha256_hex)) {
    // append(), not operator+: GCC 12 warns falsely (-Wrestrict) on "'" + string.
    error->assign("'").append(sha256_hex).append("' is not a SHA-256 (64 lower-case hex digits)");
    return std::nullopt;
  }
  std::ifstream in(blob_path(sha256_hex), std::ios::binary);
  if (!in) {
    *error = "no blob for " + std::string(sha256_hex) + " in " + (dir_ / "blobs").string();
    return std::nullopt;
  }
  std::string bytes(std::istreambuf_iterator<char>(in), {});
  if (ota::to_hex(crypto_.sha256(bytes)) != sha256_hex) {
    *error = "blob " + std::string(sha256_hex) + " is damaged (its bytes no longer match its hash)";
    return std::nullopt;
  }
  return bytes;
}

fs::path SqliteModuleRegistry::blob_path(std::string_view sha256_hex) const { return dir_ / "blobs" / sha256_hex; }

}  // namespace continuum::adapters
