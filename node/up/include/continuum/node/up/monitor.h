// What `continuum up` watches while the deployment runs: the nodes'
// heartbeats and retained status over MQTT (docs/protocol.md), and the cloud
// node's SQLite store, read through its own read-only connection.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace continuum::adapters {
class MqttBus;
}

namespace continuum::node::up {

struct StageFigures {
  uint64_t delivered = 0, emitted = 0, dropped = 0, queue = 0, traps = 0, restarts = 0;
  double in_per_s = 0, out_per_s = 0;
};

struct NodeFigures {
  bool online = false;
  bool heard = false;  // at least one heartbeat
  uint64_t outbox_depth = 0;
  std::map<std::string, StageFigures> stages;
};

class HeartbeatMonitor {
 public:
  HeartbeatMonitor();
  ~HeartbeatMonitor();
  // Subscribes to ctm/v1/+/hb and ctm/v1/+/status; reconnects by itself.
  void start(const std::string& host, int port);
  void stop();
  std::map<std::string, NodeFigures> nodes();

 private:
  void on_message(const std::string& topic, const std::string& payload);
  std::unique_ptr<adapters::MqttBus> bus_;
  std::mutex mutex_;
  std::map<std::string, NodeFigures> nodes_;
};

struct Percentiles {
  uint64_t count = 0;
  double p50 = 0, p95 = 0, p99 = 0, max = 0;
};
Percentiles percentiles(std::vector<double> values);

struct SeriesCount {
  std::string node, stage;
  uint64_t rows = 0, distinct_seq = 0;
  int64_t max_seq = -1;
};

// The cloud's reading store, read-only. Every query answers "nothing" while
// the file or its table does not exist yet.
class StoreReader {
 public:
  explicit StoreReader(std::string path) : path_(std::move(path)) {}
  ~StoreReader();
  // received_ms - ts_ms of the readings received at or after since_ms.
  std::vector<double> latencies_since(int64_t since_ms);
  std::vector<SeriesCount> series();
  // Distinct seqs of (node, stage) below `below`.
  uint64_t distinct_seq_below(const std::string& node, const std::string& stage, uint64_t below);
  // Per leg of the path (origin -> each hop -> ingest), keyed "<from>-><to>"
  // and named as the ingest worker names them (docs/protocol.md, "Latency").
  std::map<std::string, std::vector<double>> hop_latencies();
  uint64_t total_rows();

 private:
  bool open();
  std::string path_;
  sqlite3* db_ = nullptr;
};

// The next seq a node would give the stage (<data_dir>/seq/<stage>), that is
// the number of messages it emitted so far (seqs start at 0); 0 if none.
uint64_t emitted_seq_count(const std::string& data_dir, const std::string& stage);

}  // namespace continuum::node::up
