// FleetModel: what the cloud knows about every node, learnt from the bus
// alone: the retained status (ctm/v1/<node>/status: online, or the Will's
// offline) and the heartbeats (ctm/v1/<node>/hb: tier, engine, version, load,
// outbox, every stage with its counters and rates). Payloads are described in
// docs/protocol.md.
//
// Pure logic fed with (topic, payload): no bus, no clock of its own (the
// caller passes its time). Tolerant: unknown fields are ignored, missing
// ones stay unset, a payload that is not a JSON object is counted as
// malformed and changes nothing. Thread-safe (fed by the bus thread, read by
// the HTTP threads).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace continuum::node {

struct StageView {
  std::string name;
  std::string state;                       // "running", "backoff", ... as the node said
  std::string moved_to;                    // state "moved": the node it runs on now (docs/migration.md)
  std::map<std::string, double> rates;     // members named *_per_s (in_per_s, out_per_s)
  std::map<std::string, double> counters;  // every other numeric member (delivered, emitted, queue, ...)
  // The running module as signed (empty when unsigned or not reported).
  std::string module_name, module_version, module_sha256;
  // The wiring, as the node's config says it (docs/protocol.md "Heartbeat"):
  // input port -> sources ("stage.port" in-process, "node/stage/port" over
  // MQTT), the stage's grants, and which output ports go to MQTT ("*": all).
  std::map<std::string, std::vector<std::string>> inputs;
  std::vector<std::string> grants;
  std::vector<std::string> publish;
};

struct NodeView {
  std::string id;
  std::string tier;                 // from the heartbeat; empty until one arrived
  std::string state = "unknown";    // "online", "offline" (retained status), or "unknown"
  int64_t state_since_ms = 0;       // when this model learnt the state (caller's clock)
  int64_t last_seen_ms = 0;         // last status or heartbeat received (caller's clock)
  int64_t heartbeat_ts_ms = 0;      // the node's own timestamp of its last heartbeat
  uint64_t heartbeats = 0;          // heartbeats received
  std::string engine, version;
  std::optional<double> uptime_s;
  std::optional<double> cpu_percent;   // of one core, over the last heartbeat interval
  std::optional<double> cpu_s;         // CPU time used since the agent started
  std::optional<double> rss_kb;        // resident memory (or peak, when only that is known)
  std::optional<double> outbox_depth, outbox_overflow;
  std::optional<double> load1, mem_total_kb, mem_available_kb;  // of the host
  bool ingest = false;                 // the node stores readings (its heartbeat has "ingest")
  // The devices the node serves, as grants ("sensor:soil-1", ...); nullopt
  // when its heartbeat does not say (an older agent). Placement matches
  // stages' device grants against it.
  std::optional<std::vector<std::string>> devices;
  std::vector<StageView> stages;       // by name
};

struct FleetCounters {
  uint64_t statuses = 0;    // status messages applied
  uint64_t heartbeats = 0;  // heartbeats applied
  uint64_t malformed = 0;   // not a JSON object, or a status without a known state
  uint64_t ignored = 0;     // other topics, empty payloads (a cleared retained status)
};

// What a message changed; kind kNone for ignored and malformed ones.
struct FleetUpdate {
  enum class Kind { kNone, kStatus, kHeartbeat } kind = Kind::kNone;
  std::string node;
  bool state_changed = false;  // status: online/offline differs from before
};

class FleetModel {
 public:
  FleetUpdate handle(std::string_view topic, std::string_view payload, int64_t now_ms);

  std::vector<NodeView> nodes() const;  // by id
  std::optional<NodeView> node(const std::string& id) const;
  FleetCounters counters() const;

 private:
  FleetUpdate apply_status(NodeView& node, std::string_view payload, int64_t now_ms);
  FleetUpdate apply_heartbeat(NodeView& node, std::string_view payload, int64_t now_ms);

  mutable std::mutex mutex_;
  std::map<std::string, NodeView> nodes_;
  FleetCounters counters_;
};

}  // namespace continuum::node
