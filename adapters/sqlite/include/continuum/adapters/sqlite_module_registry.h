// SqliteModuleRegistry: the OTA module registry (ota/module_registry.h) in a
// directory: <dir>/registry.db (SQLite, WAL, one row per module) and
// <dir>/blobs/<sha256> (the module's bytes). A blob is written (temporary
// name, fsync, rename) before its row is committed, so a row never points at
// a missing blob; a blob without a row (crash in between) is simply
// overwritten by the next add of the same bytes.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

#include "continuum/node/status.h"
#include "continuum/ota/module_registry.h"

namespace continuum::adapters {

namespace sqlite {
class Database;
}

class SqliteModuleRegistry final : public ota::ModuleRegistry {
 public:
  explicit SqliteModuleRegistry(const ota::Crypto& crypto);
  ~SqliteModuleRegistry() override;

  // Opens (creating) the registry in `dir`.
  node::Status open(const std::filesystem::path& dir);

  std::optional<ota::AddOutcome> add(std::string_view module, std::string* error) override;
  std::optional<ota::ModuleRecord> by_hash(std::string_view sha256_hex) override;
  std::optional<ota::ModuleRecord> by_name_version(std::string_view name, std::string_view version) override;
  std::optional<ota::ModuleRecord> latest(std::string_view name) override;
  std::vector<ota::ModuleRecord> list() override;
  std::optional<std::string> read_module(std::string_view sha256_hex, std::string* error) override;

 private:
  std::vector<ota::ModuleRecord> query(std::string_view where, std::string_view a = {}, std::string_view b = {});
  std::filesystem::path blob_path(std::string_view sha256_hex) const;

  const ota::Crypto& crypto_;
  std::filesystem::path dir_;
  std::unique_ptr<sqlite::Database> db_;
  std::mutex mutex_;  // one statement at a time on the connection
};

}  // namespace continuum::adapters
