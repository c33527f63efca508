#include "continuum/adapters/storage.h"

#include "continuum/adapters/sqlite_reading_store.h"

namespace continuum::adapters {

using node::Status;

std::unique_ptr<node::ReadingStore> open_reading_store(const StorageConfig& config, Status* status) {
  if (config.backend == "sqlite") return SqliteReadingStore::open(config.sqlite_path, status);
  if (config.backend == "influx") return InfluxReadingStore::open(config.influx, status);
  if (status) *status = Status::failure("storage: unknown backend \"" + config.backend + "\" (sqlite or influx)");
  return nullptr;
}

Status apply_retention(node::ReadingStore& store, const StorageConfig& config, int64_t now_ms) {
  if (config.retention_ms <= 0) return Status::success();
  return store.delete_before(now_ms - config.retention_ms);
}

}  // namespace continuum::adapters
