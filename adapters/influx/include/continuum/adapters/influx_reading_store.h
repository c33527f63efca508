// InfluxReadingStore: ReadingStore over InfluxDB 1.x's HTTP API, for
// deployments that outgrow one SQLite file (several ingest workers, a
// clustered or bigger InfluxDB). Writes are line protocol (line_protocol.h
// explains how (node, stage, seq) makes a duplicate overwrite itself);
// queries are InfluxQL.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "continuum/node/reading_store.h"

namespace httplib {
class Client;
}

namespace continuum::adapters {

struct InfluxConfig {
  std::string host = "127.0.0.1";
  int port = 8086;
  std::string database = "continuum";
  std::string measurement = "readings";
  std::string username;  // empty: no authentication
  std::string password;
  int timeout_ms = 5000;
};

class InfluxReadingStore final : public node::ReadingStore {
 public:
  // Creates the database if needed (CREATE DATABASE is idempotent).
  static std::unique_ptr<InfluxReadingStore> open(InfluxConfig config, node::Status* status = nullptr);
  ~InfluxReadingStore() override;

  // kWritten on success: InfluxDB does not say whether the point existed.
  node::InsertOutcome insert(const node::Reading& reading, int64_t received_ms) override;
  std::vector<node::StoredReading> range(const std::string& node, const std::string& stage,
                                         node::TimeRange range) override;
  std::vector<node::Bucket> aggregate(const std::string& node, const std::string& stage, const std::string& field,
                                      node::TimeRange range, int64_t bucket_ms) override;
  // Numeric fields (float/integer in SHOW FIELD KEYS, not the internal
  // _seq/_received_ms/_hops) that have points in each (node, stage).
  std::optional<std::vector<node::SeriesKey>> series() override;
  uint64_t count_range(const std::string& node, const std::string& stage, node::TimeRange range) override;
  uint64_t count() override;
  node::Status delete_before(int64_t cutoff_ms) override;
  std::string last_error() override;

  // Runs one InfluxQL statement; the JSON answer, or empty on failure.
  std::string query(const std::string& influxql);

 private:
  explicit InfluxReadingStore(InfluxConfig config);
  node::Status write(const std::string& lines);

  InfluxConfig config_;
  std::unique_ptr<httplib::Client> client_;
  std::mutex mutex_;
  std::string last_error_;
};

}  // namespace continuum::adapters
