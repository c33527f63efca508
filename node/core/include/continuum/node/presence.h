// Presence of a node on the bus: the retained status ("online" / the Will's
// "offline") and the periodic heartbeat with load figures.
// Topics in topics.h, payloads described in docs/protocol.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "continuum/node/message_bus.h"

namespace continuum::node {

// {"node":"<id>","state":"online"} -- published retained on every connect.
std::string online_status(std::string_view node);
// {"node":"<id>","state":"offline"} -- the connection's Will (retained), so
// the broker publishes it when the node vanishes without saying goodbye.
std::string offline_status(std::string_view node);

// What the host can tell about its load (Linux /proc); absent elsewhere.
struct SystemLoad {
  double load1 = 0, load5 = 0, load15 = 0;  // run-queue averages
  double uptime_s = 0;                       // of the machine
  uint64_t mem_total_kb = 0, mem_available_kb = 0;
};
std::optional<SystemLoad> read_system_load();

struct Heartbeat {
  int64_t ts_ms = 0;          // when it was taken
  double agent_uptime_s = 0;  // of the node agent
  std::optional<SystemLoad> load;
  std::size_t stages = 0;            // stages running
  std::size_t outbox_depth = 0;      // messages waiting for the broker
  uint64_t outbox_overflow = 0;      // messages lost or refused at the bound
};

// {"node","ts","uptime_s","stages","outbox":{"depth","overflow"},
//  "load":{"1m","5m","15m","host_uptime_s","mem_total_kb","mem_available_kb"}}
std::string encode_heartbeat(std::string_view node, const Heartbeat& heartbeat);

// Publishes on ctm/v1/<node>/hb, QoS 0, not retained: a missed heartbeat is
// replaced by the next one, and the status topic says whether the node is up.
Status publish_heartbeat(MessageBus& bus, std::string_view node, const Heartbeat& heartbeat);

}  // namespace continuum::node
