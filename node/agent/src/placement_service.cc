#include "placement_service.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "continuum/node/topics.h"
#include "continuum/node/wall_clock.h"

namespace continuum::node::agent {

using nlohmann::json;

namespace {

// ctm/v1/<node>/snapshot/<stage> -> (node, stage); empty when not one.
std::pair<std::string, std::string> snapshot_topic_parts(const std::string& topic) {
  const std::string prefix = topics::stage_snapshot("", "");  // "ctm/v1//snapshot/"
  const std::string root = prefix.substr(0, prefix.find("//") + 1);
  if (topic.compare(0, root.size(), root) != 0) return {};
  std::size_t node_end = topic.find('/', root.size());
  if (node_end == std::string::npos || topic.compare(node_end, 10, "/snapshot/") != 0) return {};
  std::string stage = topic.substr(node_end + 10);
  if (stage.empty() || stage.find('/') != std::string::npos) return {};
  return {topic.substr(root.size(), node_end - root.size()), stage};
}

bool runs_stage(const NodeView& n, const std::string& stage) {
  for (const StageView& s : n.stages)
    if (s.name == stage && s.state != "moved" && s.state != "adopting") return true;
  return false;
}

}  // namespace

PlacementService::PlacementService(std::string self, MessageBus& bus, CallNode call)
    : self_(std::move(self)), bus_(bus), call_(std::move(call)), worker_([this] { run(); }) {}

PlacementService::~PlacementService() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

std::vector<std::string> PlacementService::subscriptions() const {
  return {topics::all_stage_snapshots(), topics::all_statuses(), topics::all_heartbeats()};
}

bool PlacementService::handle_message(const Message& m) {
  auto [node, stage] = snapshot_topic_parts(m.topic);
  if (!node.empty()) {
    json doc = json::parse(m.payload, nullptr, false);
    std::lock_guard<std::mutex> lock(mutex_);
    if (m.payload.empty() || !doc.is_object()) snapshots_[node].erase(stage);  // cleared: moved away
    else snapshots_[node][stage] = std::move(doc);
    return true;
  }
  FleetUpdate update = fleet_.handle(m.topic, m.payload, wall_clock_ms());
  if (update.kind == FleetUpdate::Kind::kStatus && update.state_changed && update.node != self_) {
    std::optional<NodeView> n = fleet_.node(update.node);
    if (n && n->state == "offline") {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        dead_.push_back(update.node);
      }
      wake_.notify_one();
    }
  }
  return false;
}

void PlacementService::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !dead_.empty(); });
    if (stopping_) return;
    std::string node = dead_.front();
    dead_.pop_front();
    lock.unlock();
    replace_stages_of(node);
    lock.lock();
  }
}

void PlacementService::report(const std::string& stage, const json& verdict) {
  int token = 0;
  bus_.publish(topics::placement(stage), verdict.dump(), 1, true, &token);
}

void PlacementService::replace_stages_of(const std::string& dead) {
  std::map<std::string, json> stages;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stages = snapshots_[dead];
  }
  for (const auto& [stage, snapshot] : stages) {
    json verdict = {{"stage", stage}, {"from", dead}, {"ts_ms", wall_clock_ms()}};
    std::string target, why;
    if (snapshot.contains("device_bound")) {
      verdict["state"] = "down";
      verdict["reason"] = "bound to node " + dead + "'s devices (" + snapshot.value("device_bound", "") +
                          "), which is offline: it stays there";
    } else if (!snapshot.contains("snapshot")) {
      verdict["state"] = "down";
      verdict["reason"] = "no snapshot to restart it from (" + snapshot.value("not_movable", std::string("?")) + ")";
    } else if (replace_one(dead, snapshot, &target, &why)) {
      verdict["state"] = "replaced";
      verdict["node"] = target;
      verdict["snapshot_age_ms"] = wall_clock_ms() - snapshot.value("ts_ms", int64_t{0});
    } else {
      verdict["state"] = "down";
      verdict["reason"] = why;
    }
    std::fprintf(stderr, "%s: placement: node %s is offline; stage %s %s%s\n", self_.c_str(), dead.c_str(),
                 stage.c_str(),
                 verdict["state"] == "replaced" ? ("restarted on " + target + " from its last snapshot").c_str()
                                                : "is down: ",
                 verdict["state"] == "replaced" ? "" : verdict.value("reason", std::string()).c_str());
    report(stage, verdict);
    if (verdict["state"] == "replaced") {
      std::lock_guard<std::mutex> lock(mutex_);
      snapshots_[dead].erase(stage);  // it runs elsewhere now
    }
  }
}

// Online nodes with room: not the dead one, not already running a stage of
// that name, enough free memory for its engine allocations. Each is asked in
// turn until one takes it (a node refuses what its devices cannot serve).
bool PlacementService::replace_one(const std::string& dead, const json& snapshot, std::string* target,
                                   std::string* why) {
  const std::string stage = snapshot.value("stage", "");
  const std::string tier = snapshot.value("tier", "");
  const double memory_kb = snapshot.contains("settings")
                               ? snapshot["settings"].value("memory_bytes", 0.0) / 1024.0
                               : 0.0;
  std::vector<NodeView> candidates;
  for (const NodeView& n : fleet_.nodes()) {
    if (n.id == dead || n.state != "online" || runs_stage(n, stage)) continue;
    if (n.mem_available_kb && *n.mem_available_kb < memory_kb) continue;
    candidates.push_back(n);
  }
  // This node last (it places, and hosts only when nothing else can), the
  // dead node's tier first.
  std::stable_partition(candidates.begin(), candidates.end(), [&](const NodeView& n) { return n.id != self_; });
  std::stable_partition(candidates.begin(), candidates.end(), [&](const NodeView& n) { return n.tier == tier; });
  if (candidates.empty()) {
    *why = "no online node has room for it";
    return false;
  }
  const json common = {{"stage", stage}, {"from", dead}, {"publisher", snapshot.value("publisher", dead)}};
  std::string refusals;
  for (const NodeView& n : candidates) {
    json prepare = common;
    prepare["phase"] = "prepare";
    prepare["settings"] = snapshot["settings"];
    if (snapshot.contains("module")) prepare["module"] = snapshot["module"];
    std::string error;
    std::optional<json> prepared = call_(n.id, "stage.adopt", prepare, &error);
    if (prepared && prepared->value("form", "instance") != "instance") {
      error = "node " + n.id + " runs another build of it, which cannot restore an instance snapshot";
      json abort = common;
      abort["phase"] = "abort";
      std::string ignored;
      call_(n.id, "stage.adopt", abort, &ignored);
      prepared.reset();
    }
    if (prepared) {
      json commit = common;
      commit["phase"] = "commit";
      commit["snapshot"] = snapshot["snapshot"];
      commit["next_seq"] = snapshot.value("next_seq", uint64_t{0}) + kSeqJump;
      commit["covered"] = snapshot.value("covered", json::object());
      if (call_(n.id, "stage.adopt", commit, &error)) {
        *target = n.id;
        return true;
      }
    }
    refusals += (refusals.empty() ? "" : "; ") + error;
  }
  *why = "no node took it: " + refusals;
  return false;
}

}  // namespace continuum::node::agent
