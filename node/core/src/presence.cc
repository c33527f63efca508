#include "continuum/node/presence.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "continuum/node/topics.h"

namespace continuum::node {

using nlohmann::json;

namespace {

std::string status(std::string_view node, const char* state) {
  return json{{"node", std::string(node)}, {"state", state}}.dump();
}

}  // namespace

std::string online_status(std::string_view node) { return status(node, "online"); }
std::string offline_status(std::string_view node) { return status(node, "offline"); }

std::optional<SystemLoad> read_system_load() {
  SystemLoad load;
  std::ifstream loadavg("/proc/loadavg");
  if (!(loadavg >> load.load1 >> load.load5 >> load.load15)) return std::nullopt;
  std::ifstream uptime("/proc/uptime");
  uptime >> load.uptime_s;
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  uint64_t value = 0;
  std::string unit;
  while (meminfo >> key >> value >> unit) {
    if (key == "MemTotal:") load.mem_total_kb = value;
    if (key == "MemAvailable:") load.mem_available_kb = value;
  }
  return load;
}

std::string encode_heartbeat(std::string_view node, const Heartbeat& heartbeat) {
  json doc = {{"node", std::string(node)},
              {"ts", heartbeat.ts_ms},
              {"uptime_s", heartbeat.agent_uptime_s},
              {"stages", heartbeat.stages},
              {"outbox", {{"depth", heartbeat.outbox_depth}, {"overflow", heartbeat.outbox_overflow}}}};
  if (heartbeat.load) {
    const SystemLoad& load = *heartbeat.load;
    doc["load"] = {{"1m", load.load1},
                   {"5m", load.load5},
                   {"15m", load.load15},
                   {"host_uptime_s", load.uptime_s},
                   {"mem_total_kb", load.mem_total_kb},
                   {"mem_available_kb", load.mem_available_kb}};
  }
  return doc.dump();
}

Status publish_heartbeat(MessageBus& bus, std::string_view node, const Heartbeat& heartbeat) {
  return bus.publish(topics::heartbeat(node), encode_heartbeat(node, heartbeat), /*qos=*/0, /*retain=*/false,
                     nullptr);
}

}  // namespace continuum::node
