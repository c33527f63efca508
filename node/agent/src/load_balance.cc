#include "load_balance.h"

#include <algorithm>

namespace continuum::node::agent {

namespace {

double counter(const StageView& s, const char* name) {
  auto it = s.counters.find(name);
  return it == s.counters.end() ? 0.0 : it->second;
}

// What grew since the previous heartbeat; a counter that went down (the
// stage restarted, or was adopted with fresh counters) counts from zero.
double growth(double now, const std::map<std::string, double>& before, const std::string& stage) {
  auto it = before.find(stage);
  if (it == before.end()) return 0.0;  // first sight: nothing to compare with yet
  return now >= it->second ? now - it->second : now;
}

}  // namespace

void LoadBalancer::observe(const NodeView& node, int64_t now_ms) {
  NodeLoad& load = nodes_[node.id];
  if (!node.cpu_percent || *node.cpu_percent <= settings_.threshold_percent) load.above_since_ms.reset();
  else if (!load.above_since_ms) load.above_since_ms = now_ms;

  // Shares: the node's CPU split by fuel used since the last heartbeat, or
  // by messages handled when no stage burnt fuel (native builds).
  std::map<std::string, double> fuel, delivered;
  double fuel_total = 0, delivered_total = 0;
  for (const StageView& s : node.stages) {
    double f = counter(s, "fuel_used"), d = counter(s, "delivered");
    if (s.state == "running") {
      fuel[s.name] = growth(f, load.last_fuel, s.name);
      delivered[s.name] = growth(d, load.last_delivered, s.name);
      fuel_total += fuel[s.name];
      delivered_total += delivered[s.name];
    }
    load.last_fuel[s.name] = f;
    load.last_delivered[s.name] = d;
  }
  load.shares.clear();
  const double cpu = node.cpu_percent.value_or(0.0);
  const auto& by = fuel_total > 0 ? fuel : delivered;
  const double total = fuel_total > 0 ? fuel_total : delivered_total;
  if (total > 0)
    for (const auto& [stage, used] : by) load.shares[stage] = cpu * used / total;
}

void LoadBalancer::forget(const std::string& node) { nodes_.erase(node); }

bool LoadBalancer::sustained(const std::string& node, int64_t now_ms) const {
  auto it = nodes_.find(node);
  return enabled() && it != nodes_.end() && it->second.above_since_ms &&
         now_ms - *it->second.above_since_ms >= settings_.window.count();
}

double LoadBalancer::share(const std::string& node, const std::string& stage) const {
  auto n = nodes_.find(node);
  if (n == nodes_.end()) return 0.0;
  auto s = n->second.shares.find(stage);
  return s == n->second.shares.end() ? 0.0 : s->second;
}

std::optional<LoadMove> LoadBalancer::decide(const std::string& node, const std::vector<NodeView>& fleet,
                                             const std::string& self, int64_t now_ms, std::string* why) const {
  const NodeView* hot = nullptr;
  for (const NodeView& n : fleet)
    if (n.id == node) hot = &n;
  if (!hot || !sustained(node, now_ms)) {
    *why = "node " + node + " is not above the load threshold for the whole window";
    return std::nullopt;
  }
  // The movable stages, largest share first.
  std::vector<std::pair<double, const StageView*>> movable;
  std::string skipped;
  for (const StageView& s : hot->stages) {
    if (s.state != "running") continue;
    auto cooled = moved_at_ms_.find(s.name);
    if (std::any_of(s.grants.begin(), s.grants.end(), [](const std::string& g) { return is_device_grant(g); })) {
      skipped += (skipped.empty() ? "" : ", ") + s.name + " (bound to its devices)";
    } else if (cooled != moved_at_ms_.end() && now_ms - cooled->second < settings_.cooldown.count()) {
      skipped += (skipped.empty() ? "" : ", ") + s.name + " (moved less than the cooldown ago)";
    } else if (double sh = share(node, s.name); sh > 0) {
      movable.push_back({sh, &s});
    }
  }
  std::stable_sort(movable.begin(), movable.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  if (movable.empty()) {
    *why = "node " + node + " has no movable stage with a measured share of its load" +
           (skipped.empty() ? std::string() : " (skipped: " + skipped + ")");
    return std::nullopt;
  }
  const double room = settings_.threshold_percent - settings_.margin_percent;
  std::string refusals;
  for (const auto& [sh, stage] : movable) {
    StageNeeds needs;
    needs.stage = stage->name;
    needs.tier = hot->tier;  // preferred, not required
    needs.grants = stage->grants;
    needs.exclude = {node};
    needs.max_cpu_percent = room - sh;  // its load + the share stays under the threshold minus the margin
    PlacementRanking ranking = rank_nodes(fleet, needs, self);
    // A node whose CPU it does not report cannot be judged: not a target.
    std::erase_if(ranking.candidates, [](const NodeView& n) { return !n.cpu_percent; });
    if (!ranking.candidates.empty()) {
      const NodeView& best = ranking.candidates.front();
      return LoadMove{stage->name, node, best.id, hot->cpu_percent.value_or(0), sh, *best.cpu_percent};
    }
    refusals = ranking.reasons();  // the last (smallest) stage's, named below
  }
  *why = "no online node has room for " + movable.back().second->name + " (its share " +
         std::to_string(static_cast<int>(movable.back().first)) + "% plus a node's load must stay under " +
         std::to_string(static_cast<int>(room)) + "%: " + refusals + ")" +
         (skipped.empty() ? std::string() : "; skipped: " + skipped);
  return std::nullopt;
}

void LoadBalancer::moved(const std::string& stage, const std::string& from, int64_t now_ms) {
  moved_at_ms_[stage] = now_ms;
  restart_window(from);
}

void LoadBalancer::restart_window(const std::string& node) {
  auto it = nodes_.find(node);
  if (it != nodes_.end()) it->second.above_since_ms.reset();
}

}  // namespace continuum::node::agent
