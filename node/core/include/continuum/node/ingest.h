// IngestWorker: the cloud side of the pipeline. Subscribes to data topics
// (optionally through an MQTT 5 shared subscription so several workers split
// the load), decodes each reading, stores it idempotently and records
// latency: per hop (origin -> first forwarder -> ... -> ingest) and end to end.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "continuum/node/message_bus.h"
#include "continuum/node/reading_store.h"
#include "continuum/node/status.h"

namespace continuum::node {

struct LatencyStats {
  uint64_t count = 0;
  int64_t min_ms = 0, max_ms = 0;
  double sum_ms = 0;
  double mean_ms() const { return count ? sum_ms / static_cast<double>(count) : 0.0; }
  void add(int64_t ms);
};

struct IngestConfig {
  std::string filter;       // default: every data topic
  std::string share_group;  // empty: plain subscription; else $share/<group>/<filter>
  std::function<int64_t()> now_ms;  // default: system clock
};

struct IngestCounters {
  uint64_t received = 0;
  uint64_t stored = 0;
  uint64_t duplicates = 0;
  uint64_t rejected = 0;  // not a valid reading payload
  uint64_t failed = 0;    // store error
};

class IngestWorker {
 public:
  IngestWorker(MessageBus& bus, ReadingStore& store, IngestConfig config = {});
  // Removes its message handler from the bus (if start() installed it).
  ~IngestWorker();
  IngestWorker(const IngestWorker&) = delete;
  IngestWorker& operator=(const IngestWorker&) = delete;

  // Installs the message handler and subscribes (QoS 1).
  Status start();
  // Handles one data message (also usable without a bus, e.g. replay).
  void handle(const Message& message);

  IngestCounters counters();
  // End-to-end latency (origin timestamp -> ingest) of stored readings.
  LatencyStats end_to_end();
  // Per hop, keyed "<from>-><to>" with node ids and "ingest" for this worker.
  std::map<std::string, LatencyStats> hops();

 private:
  MessageBus& bus_;
  ReadingStore& store_;
  IngestConfig config_;
  bool started_ = false;
  std::mutex mutex_;
  IngestCounters counters_;
  LatencyStats end_to_end_;
  std::map<std::string, LatencyStats> hops_;
};

}  // namespace continuum::node
