// IngestWorker: the cloud side of the pipeline. Subscribes to data topics
// (optionally through an MQTT 5 shared subscription so several workers split
// the load), decodes each reading, stores it idempotently and records
// latency: per hop (origin -> first forwarder -> ... -> ingest) and end to end.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "continuum/node/latency_histogram.h"
#include "continuum/node/message_bus.h"
#include "continuum/node/reading_store.h"
#include "continuum/node/status.h"

namespace continuum::node {

// Kept for callers written before the histograms: count/min/max/mean plus
// the percentiles (LatencySummary, latency_histogram.h).
using LatencyStats = LatencySummary;

// One latency leg (a hop, or end to end): since the worker started and over
// the recent window (IngestConfig::latency_window_ms).
struct LegLatency {
  LatencySummary total;
  LatencySummary recent;
};

struct IngestLatency {
  int64_t window_ms = 0;
  LegLatency end_to_end;
  std::map<std::string, LegLatency> hops;  // keyed like IngestWorker::hops()
};

struct IngestConfig {
  std::string filter;       // default: every data topic
  std::string share_group;  // empty: plain subscription; else $share/<group>/<filter>
  std::function<int64_t()> now_ms;  // default: system clock
  int64_t latency_window_ms = 60'000;  // the "recent" latency window
  // Called after each newly stored reading (not for duplicates), outside the
  // worker's lock, on the thread that called handle() (with group_commit: the
  // writer thread); must not block (the HTTP event stream queues it).
  std::function<void(const Reading&, int64_t received_ms)> on_stored;
  // Group commit: handle() takes the receive time and queues the reading; a
  // writer thread stores everything queued meanwhile with one insert_batch()
  // (SQLite: one transaction instead of one per reading, which on a busy
  // cloud node was most of its CPU: every commit rewrote the same few pages).
  // stored/duplicates/failed, latency and on_stored follow the commit;
  // flush() waits for it. Off (the default): stored before handle() returns.
  bool group_commit = false;
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
  // Handles one data message (also usable without a bus, e.g. replay): a
  // single envelope or a batch of them (reading_batch.h), each element
  // counted, stored and deduplicated as a reading of its own.
  void handle(const Message& message);
  // The same with the payload already decoded by the caller (the node
  // agent's inbound check parsed it): not parsed again. Empty: rejected.
  void handle(const Message& message, std::optional<Reading> decoded);

  // With group_commit: waits until everything handled so far is stored.
  void flush();

  IngestCounters counters();
  // End-to-end latency (origin timestamp -> ingest) of stored readings,
  // since start.
  LatencySummary end_to_end();
  // Per hop since start, keyed "<from>-><to>": "<node>/<stage>" of the
  // emitter (a reading without hops) or "origin", then "<node>/<stage>" of
  // each hop, then "ingest" for this worker (docs/protocol.md, "Latency").
  std::map<std::string, LatencySummary> hops();
  // Both, since start and over the recent window, with percentiles.
  IngestLatency latency();

 private:
  WindowedLatency& leg(const std::string& name);  // under mutex_
  // Counts the outcome, records latency, calls on_stored.
  void record(const Reading& reading, int64_t received_ms, InsertOutcome outcome);
  void write_queued();  // the group-commit writer thread

  MessageBus& bus_;
  ReadingStore& store_;
  IngestConfig config_;
  bool started_ = false;
  std::mutex mutex_;
  IngestCounters counters_;
  WindowedLatency end_to_end_;
  std::map<std::string, WindowedLatency> hops_;

  std::mutex queue_mutex_;  // the fields below
  std::condition_variable queued_, written_;
  std::vector<std::pair<Reading, int64_t>> queue_;
  bool writing_ = false, closing_ = false;
  std::thread writer_;  // started by the first queued reading
};

}  // namespace continuum::node
