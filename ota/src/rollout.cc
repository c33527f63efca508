#include "continuum/ota/rollout.h"

#include <nlohmann/json.hpp>

namespace continuum::ota {

using nlohmann::json;

bool Rollout::done() const {
  for (const RolloutTarget& t : targets)
    if (!t.done) return false;
  return true;
}

bool Rollout::succeeded() const {
  for (const RolloutTarget& t : targets)
    if (!t.done || t.state != ota_state_name(OtaState::kRunning)) return false;
  return !targets.empty();
}

namespace {

json target_json(const RolloutTarget& t) {
  json j{{"node", t.node}, {"transfer", t.transfer}, {"state", t.state}, {"done", t.done}};
  if (t.chunks > 0) {
    j["received"] = t.received;
    j["chunks"] = t.chunks;
  }
  if (!t.reason.empty()) j["reason"] = t.reason;
  return j;
}

json steps_json(const RolloutTarget& t) {
  json steps = json::array();
  for (const RolloutTarget::Step& s : t.steps) {
    json step{{"state", s.state}};
    if (s.chunks > 0) {
      step["received"] = s.received;
      step["chunks"] = s.chunks;
    }
    if (!s.reason.empty()) step["reason"] = s.reason;
    steps.push_back(std::move(step));
  }
  return steps;
}

// Records the target's state as its latest step.
void add_step(RolloutTarget& t) {
  t.steps.push_back({t.state, t.received, t.chunks, t.reason});
  if (t.steps.size() > RolloutTarget::kMaxSteps) t.steps.erase(t.steps.begin());
}

json head_json(const Rollout& r) {
  json j{{"id", r.id}, {"kind", r.kind}, {"stage", r.stage}, {"started_ms", r.started_ms}};
  if (!r.sha256.empty()) {
    j["sha256"] = r.sha256;
    j["name"] = r.name;
    j["version"] = r.version;
  }
  return j;
}

}  // namespace

std::string rollout_json(const Rollout& r) {
  json j = head_json(r);
  json targets = json::array();
  for (const RolloutTarget& t : r.targets) {
    json target = target_json(t);
    target["steps"] = steps_json(t);
    targets.push_back(std::move(target));
  }
  j["targets"] = std::move(targets);
  j["done"] = r.done();
  j["succeeded"] = r.succeeded();
  return j.dump();
}

std::string rollout_event_json(const Rollout& r, const RolloutTarget& t) {
  json j = head_json(r);
  j.update(target_json(t));
  j["rollout_done"] = r.done();
  return j.dump();
}

void RolloutTracker::set_listener(Listener listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

Rollout RolloutTracker::begin(Rollout rollout) {
  std::lock_guard lock(mutex_);
  const uint64_t n = ++next_;
  rollout.id = rollout.kind + "-" + std::to_string(n);
  for (RolloutTarget& t : rollout.targets) add_step(t);
  rollouts_[n] = rollout;
  while (rollouts_.size() > keep_) rollouts_.erase(rollouts_.begin());
  return rollout;
}

void RolloutTracker::on_status(const std::string& node, const OtaStatus& status) {
  std::vector<std::pair<Rollout, RolloutTarget>> changes;
  {
    std::lock_guard lock(mutex_);
    for (auto& [n, r] : rollouts_) {
      for (RolloutTarget& t : r.targets) {
        if (t.done || t.node != node || t.transfer != status.transfer) continue;
        if (!t.any_attempt && t.attempt != status.attempt) continue;
        t.state = ota_state_name(status.state);
        if (status.chunks > 0) {
          t.received = status.received;
          t.chunks = status.chunks;
        }
        t.reason = status.reason;
        t.done = is_terminal(status.state);
        add_step(t);
        changes.emplace_back(r, t);
      }
    }
  }
  for (const auto& [r, t] : changes) changed(r, t);
}

void RolloutTracker::finish(const std::string& id, const std::string& node, OtaState state,
                            const std::string& reason) {
  std::optional<std::pair<Rollout, RolloutTarget>> change;
  {
    std::lock_guard lock(mutex_);
    for (auto& [n, r] : rollouts_) {
      if (r.id != id) continue;
      for (RolloutTarget& t : r.targets) {
        if (t.node != node || t.done) continue;
        t.state = ota_state_name(state);
        t.reason = reason;
        t.done = is_terminal(state);
        add_step(t);
        change.emplace(r, t);
      }
    }
  }
  if (change) changed(change->first, change->second);
}

void RolloutTracker::note(const std::string& id, const std::string& node, const std::string& state) {
  std::optional<std::pair<Rollout, RolloutTarget>> change;
  {
    std::lock_guard lock(mutex_);
    for (auto& [n, r] : rollouts_) {
      if (r.id != id) continue;
      for (RolloutTarget& t : r.targets) {
        // Only while the node said nothing yet: its own reports win.
        if (t.node != node || t.done || (t.state != "offered" && t.state != "requested")) continue;
        t.state = state;
        add_step(t);
        change.emplace(r, t);
      }
    }
  }
  if (change) changed(change->first, change->second);
}

std::optional<Rollout> RolloutTracker::get(const std::string& id) const {
  std::lock_guard lock(mutex_);
  for (const auto& [n, r] : rollouts_)
    if (r.id == id) return r;
  return std::nullopt;
}

std::vector<Rollout> RolloutTracker::recent() const {
  std::lock_guard lock(mutex_);
  std::vector<Rollout> out;
  for (const auto& [n, r] : rollouts_) out.push_back(r);
  return out;
}

void RolloutTracker::changed(const Rollout& rollout, const RolloutTarget& target) {
  Listener listener;
  {
    std::lock_guard lock(mutex_);
    listener = listener_;
  }
  if (listener) listener(rollout, target);
}

}  // namespace continuum::ota
