// The reading store as the configuration chooses it: SQLite (a file, the
// default) or InfluxDB 1.x (for deployments that outgrow one file).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "continuum/adapters/influx_reading_store.h"
#include "continuum/node/reading_store.h"

namespace continuum::adapters {

struct StorageConfig {
  std::string backend = "sqlite";  // "sqlite" or "influx"
  std::string sqlite_path = "readings.db";
  InfluxConfig influx;
  int64_t retention_ms = 0;        // 0: keep everything
};

// nullptr and *status when the backend is unknown or cannot be opened.
std::unique_ptr<node::ReadingStore> open_reading_store(const StorageConfig& config, node::Status* status = nullptr);

// Deletes readings older than the configured retention (no-op without one);
// the agent calls it periodically.
node::Status apply_retention(node::ReadingStore& store, const StorageConfig& config, int64_t now_ms);

}  // namespace continuum::adapters
