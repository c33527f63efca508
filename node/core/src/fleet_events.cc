#include "continuum/node/fleet_events.h"

#include <nlohmann/json.hpp>

namespace continuum::node {

using nlohmann::json;

namespace {

FleetEvent event(int64_t now_ms, std::string kind, std::string severity, std::string node, std::string stage,
                 std::string message, uint64_t count = 0) {
  FleetEvent e;
  e.ts_ms = now_ms;
  e.kind = std::move(kind);
  e.severity = std::move(severity);
  e.node = std::move(node);
  e.stage = std::move(stage);
  e.message = std::move(message);
  e.count = count;
  return e;
}

// How much a counter grew; a counter below its last value started over
// (the agent restarted), so all of it is new.
uint64_t growth(std::optional<double> before, std::optional<double> after) {
  if (!after || *after <= 0) return 0;
  if (!before || *after < *before) return static_cast<uint64_t>(*after);
  return static_cast<uint64_t>(*after - *before);
}

std::optional<double> counter(const StageView* stage, const char* name) {
  if (!stage) return std::nullopt;
  auto it = stage->counters.find(name);
  if (it == stage->counters.end()) return std::nullopt;
  return it->second;
}

const StageView* find_stage(const std::optional<NodeView>& node, const std::string& name) {
  if (!node) return nullptr;
  for (const StageView& s : node->stages)
    if (s.name == name) return &s;
  return nullptr;
}

struct CounterEvent {
  const char* counter;
  const char* kind;
  const char* what;  // "<node>/<stage> <what> (N so far)"
};
constexpr CounterEvent kCounterEvents[] = {
    {"traps", "trap", "trapped"},
    {"out_of_fuel", "out-of-fuel", "ran out of fuel"},
    {"refusal_storms", "refusal-storm", "made too many refused host calls"},
    {"restarts", "restart", "was restarted"},
    {"rollbacks", "rollback", "rolled back to its previous module version"},
};

std::string text(const json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Reasons a node gives when it will not take a module at all (docs/ota.md).
bool is_refusal(const std::string& reason) {
  for (const char* word : {"unknown key", "signature", "unsigned", "hash mismatch", "downgrade", "grant", "refused",
                           "not a WebAssembly", "invalid module"})
    if (reason.find(word) != std::string::npos) return true;
  return false;
}

}  // namespace

std::vector<FleetEvent> events_from_status(const std::optional<NodeView>& before, const NodeView& after,
                                           int64_t now_ms) {
  const std::string was = before ? before->state : "unknown";
  if (was == after.state) return {};
  if (after.state == "offline")
    return {event(now_ms, "offline", "error", after.id, "", after.id + " went offline (its Will: connection lost, or stopped)")};
  if (after.state == "online")
    return {event(now_ms, "online", "info", after.id, "",
                  after.id + (was == "offline" ? " is back online" : " came online"))};
  return {};
}

std::vector<FleetEvent> events_from_heartbeat(const std::optional<NodeView>& before, const NodeView& after,
                                              int64_t now_ms) {
  std::vector<FleetEvent> out;
  for (const StageView& stage : after.stages) {
    const StageView* old = find_stage(before, stage.name);
    for (const CounterEvent& c : kCounterEvents) {
      std::optional<double> total = counter(&stage, c.counter);
      const uint64_t grew = growth(counter(old, c.counter), total);
      if (grew == 0) continue;
      out.push_back(event(now_ms, c.kind, "warning", after.id, stage.name,
                          after.id + "/" + stage.name + " " + c.what + " (" +
                              std::to_string(static_cast<uint64_t>(*total)) + " so far)",
                          grew));
    }
  }
  const uint64_t dropped = growth(before ? before->outbox_overflow : std::nullopt, after.outbox_overflow);
  if (dropped > 0)
    out.push_back(event(now_ms, "outbox-overflow", "warning", after.id, "",
                        after.id + "'s outbox overflowed: " + std::to_string(dropped) +
                            " message(s) dropped while the broker was out of reach",
                        dropped));
  return out;
}

std::optional<FleetEvent> event_from_ota_status(std::string_view node, std::string_view payload, int64_t now_ms) {
  json doc = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return std::nullopt;
  const std::string state = text(doc, "state"), reason = text(doc, "reason"), stage = text(doc, "stage");
  std::string module = text(doc, "name");
  if (!text(doc, "version").empty()) module += (module.empty() ? "" : " ") + text(doc, "version");
  if (module.empty()) module = "a module";
  const std::string who = std::string(node) + (stage.empty() ? "" : "/" + stage);
  const std::string why = reason.empty() ? "" : ": " + reason;
  if (state == "failed" && is_refusal(reason))
    return event(now_ms, "module-refused", "error", std::string(node), stage, who + " refused " + module + why);
  if (state == "failed")
    return event(now_ms, "ota-failed", "error", std::string(node), stage, "update of " + who + " to " + module + " failed" + why);
  if (state == "rolled-back")
    return event(now_ms, "ota-rolled-back", "warning", std::string(node), stage,
                 who + " rolled " + module + " back" + why);
  if (state == "running")
    return event(now_ms, "ota-running", "info", std::string(node), stage, who + " runs " + module);
  return std::nullopt;
}

}  // namespace continuum::node
