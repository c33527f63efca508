// ReadingStore: where ingest puts readings. SQLite (adapters/sqlite) by
// default, InfluxDB 1.x (adapters/influx) for deployments that outgrow a file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "continuum/node/reading.h"
#include "continuum/node/status.h"

namespace continuum::node {

enum class InsertOutcome {
  kInserted,   // new reading stored
  kDuplicate,  // (node, stage, seq) already stored; nothing changed
  kWritten,    // stored; the backend cannot tell new from duplicate, but a
               // duplicate overwrote itself instead of adding a point
  kFailed,
};

struct StoredReading {
  Reading reading;
  int64_t received_ms = 0;  // when ingest received it
};

// One time bucket of one field: [start_ms, start_ms + bucket_ms).
struct Bucket {
  int64_t start_ms = 0;
  uint64_t count = 0;
  double min = 0, max = 0, mean = 0;
};

// One numeric series: a field of the readings of one (node, stage).
struct SeriesKey {
  std::string node, stage, field;
};

struct TimeRange {
  int64_t from_ms = 0;  // inclusive
  int64_t to_ms = 0;    // exclusive
};

class ReadingStore {
 public:
  virtual ~ReadingStore() = default;

  // Idempotent by (node, stage, seq).
  virtual InsertOutcome insert(const Reading& reading, int64_t received_ms) = 0;
  // Several readings in order, one outcome each, idempotent like insert().
  // The default inserts them one by one; a store with transactions overrides
  // it to commit the batch at once (IngestConfig::group_commit).
  virtual std::vector<InsertOutcome> insert_batch(const std::vector<std::pair<Reading, int64_t>>& readings) {
    std::vector<InsertOutcome> outcomes;
    outcomes.reserve(readings.size());
    for (const auto& [reading, received_ms] : readings) outcomes.push_back(insert(reading, received_ms));
    return outcomes;
  }
  // Readings of one (node, stage) with origin time in range, by time then seq.
  virtual std::vector<StoredReading> range(const std::string& node, const std::string& stage,
                                           TimeRange range) = 0;
  // How many readings range() would return: lets a caller refuse a huge
  // range before loading it. The default loads it; stores with an index
  // override it with a count.
  virtual uint64_t count_range(const std::string& node, const std::string& stage, TimeRange range) {
    return this->range(node, stage, range).size();
  }
  // min/max/mean/count of `field` per bucket of `bucket_ms`, buckets aligned
  // to multiples of bucket_ms; empty buckets are omitted.
  virtual std::vector<Bucket> aggregate(const std::string& node, const std::string& stage,
                                        const std::string& field, TimeRange range,
                                        int64_t bucket_ms) = 0;
  // The numeric series stored, ordered by node, stage, field; nullopt when
  // the backend cannot list them (the default; last_error() says why).
  virtual std::optional<std::vector<SeriesKey>> series() { return std::nullopt; }
  // Number of stored readings (all nodes and stages).
  virtual uint64_t count() = 0;
  // Deletes readings whose origin time is before cutoff_ms.
  virtual Status delete_before(int64_t cutoff_ms) = 0;
  // Last error, for logs.
  virtual std::string last_error() = 0;
};

}  // namespace continuum::node
