#include "placement_policy.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>

namespace continuum::node::agent {

namespace {

std::string mib(double kb) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f MiB", kb / 1024.0);
  return text;
}

// Why N cannot run the stage; "" when it can.
std::string reason_left_out(const NodeView& n, const StageNeeds& needs) {
  if (std::find(needs.exclude.begin(), needs.exclude.end(), n.id) != needs.exclude.end()) return "excluded";
  if (n.state != "online") return n.state;  // "offline", or "unknown" (no status or heartbeat yet)
  // Its devices, room and stages come with heartbeats; an online status alone says nothing of them.
  if (n.heartbeats == 0) return "no heartbeat yet (its devices and room are unknown)";
  if (!needs.stage.empty() && runs_stage(n, needs.stage)) return "already runs stage " + needs.stage;
  if (needs.tier_required && n.tier != needs.tier)
    return "wrong tier (" + (n.tier.empty() ? std::string("not reported") : n.tier) + "; needs " + needs.tier + ")";
  const bool needs_devices =
      std::any_of(needs.grants.begin(), needs.grants.end(), [](const std::string& g) { return is_device_grant(g); });
  if (needs_devices) {
    if (!n.devices) return "does not report its devices (an older agent?)";
    if (std::string missing = missing_device(needs.grants, *n.devices); !missing.empty())
      return "lacks device " + missing;
  }
  const double need_kb = static_cast<double>(needs.memory_bytes) / 1024.0;
  if (needs.memory_bytes > 0 && n.mem_available_kb && *n.mem_available_kb < need_kb)
    return "not enough memory (needs " + mib(need_kb) + ", has " + mib(*n.mem_available_kb) + " free)";
  if (needs.max_cpu_percent && n.cpu_percent && *n.cpu_percent > *needs.max_cpu_percent) {
    char text[96];
    std::snprintf(text, sizeof text, "busy (cpu %.0f%%, above %.0f%%)", *n.cpu_percent, *needs.max_cpu_percent);
    return text;
  }
  return "";
}

}  // namespace

bool runs_stage(const NodeView& n, const std::string& stage) {
  for (const StageView& s : n.stages)
    if (s.name == stage && s.state != "moved" && s.state != "adopting") return true;
  return false;
}

bool is_device_grant(const std::string& grant) {
  return grant.starts_with("sensor:") || grant.starts_with("actuator:") || grant.starts_with("serial:");
}

std::string missing_device(const std::vector<std::string>& grants, const std::vector<std::string>& devices) {
  for (const std::string& grant : grants) {
    if (!is_device_grant(grant)) continue;
    const std::string kind = grant.substr(0, grant.find(':') + 1);  // "sensor:"
    const bool any = grant.ends_with(":*");
    const bool served = std::any_of(devices.begin(), devices.end(), [&](const std::string& d) {
      return any ? d.starts_with(kind) : d == grant;
    });
    if (!served) return grant;
  }
  return "";
}

std::optional<std::string> PlacementRanking::reason_for(const std::string& node) const {
  for (const LeftOut& l : left_out)
    if (l.node == node) return l.reason;
  return std::nullopt;
}

std::string PlacementRanking::reasons() const {
  std::string out;
  for (const LeftOut& l : left_out) out += (out.empty() ? "" : "; ") + l.node + ": " + l.reason;
  return out;
}

PlacementRanking rank_nodes(const std::vector<NodeView>& fleet, const StageNeeds& needs, const std::string& self) {
  PlacementRanking ranking;
  for (const NodeView& n : fleet) {
    std::string reason = reason_left_out(n, needs);
    if (reason.empty()) ranking.candidates.push_back(n);
    else ranking.left_out.push_back({n.id, std::move(reason)});
  }
  std::sort(ranking.left_out.begin(), ranking.left_out.end(),
            [](const LeftOut& a, const LeftOut& b) { return a.node < b.node; });
  // Smaller is better, compared in order.
  auto key = [&](const NodeView& n) {
    const bool other_tier = !needs.tier.empty() && n.tier != needs.tier;
    const bool is_self = n.id == self;
    // Free memory in 64 MiB steps: two nodes a few pages apart are equal here
    // and the CPU decides. Unknown counts as none.
    const double free_steps = n.mem_available_kb ? std::floor(*n.mem_available_kb / (64.0 * 1024.0)) : 0.0;
    return std::make_tuple(other_tier, is_self, -free_steps, n.cpu_percent.value_or(0.0), n.load1.value_or(0.0), n.id);
  };
  std::sort(ranking.candidates.begin(), ranking.candidates.end(),
            [&](const NodeView& a, const NodeView& b) { return key(a) < key(b); });
  return ranking;
}

}  // namespace continuum::node::agent
