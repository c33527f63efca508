#include "placement_service.h"

#include "placement_policy.h"

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

std::string percent(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f%%", v);
  return text;
}

}  // namespace

PlacementService::PlacementService(std::string self, MessageBus& bus, CallNode call, LoadSettings load,
                                   std::chrono::milliseconds step_timeout)
    : self_(std::move(self)),
      bus_(bus),
      call_(std::move(call)),
      step_timeout_(step_timeout),
      balancer_(load),
      worker_([this] { run(); }) {}

PlacementService::~PlacementService() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

void PlacementService::set_verdict_listener(VerdictListener listener) {
  std::lock_guard<std::mutex> lock(mutex_);
  listener_ = std::move(listener);
}

std::vector<std::string> PlacementService::subscriptions() const {
  return {topics::all_stage_snapshots(), topics::all_statuses(), topics::all_heartbeats()};
}

void PlacementService::push(Job job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
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
  if (update.node == self_ && update.kind != FleetUpdate::Kind::kHeartbeat) return false;
  if (update.kind == FleetUpdate::Kind::kStatus && update.state_changed) {
    std::optional<NodeView> n = fleet_.node(update.node);
    if (n && n->state == "offline") {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        balancer_.forget(update.node);
      }
      push(Job{Job::Kind::kReplace, update.node, {}, {}, {}});
    }
  } else if (update.kind == FleetUpdate::Kind::kHeartbeat) {
    on_heartbeat(update.node);
  }
  return false;
}

// Bus thread: the load figures, a load move when one is due, and a stand-down
// for a re-placed stage its old node runs again.
void PlacementService::on_heartbeat(const std::string& node) {
  std::optional<NodeView> view = fleet_.node(node);
  if (!view) return;
  const int64_t now = wall_clock_ms();
  std::vector<NodeView> fleet = fleet_.nodes();
  std::vector<Job> jobs;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    balancer_.observe(*view, now);
    if (!move_pending_ && view->state == "online" && balancer_.sustained(node, now)) {
      std::string why;
      if (std::optional<LoadMove> move = balancer_.decide(node, fleet, self_, now, &why)) {
        move_pending_ = true;
        balancer_.moved(move->stage, node, now);  // cools down now: decided once
        jobs.push_back(Job{Job::Kind::kMove, node, *move, {}, {}});
      } else {
        balancer_.restart_window(node);  // a new window before asking again
        std::fprintf(stderr, "%s: placement: node %s stays above its load threshold (%s) but nothing moves: %s\n",
                     self_.c_str(), node.c_str(), percent(view->cpu_percent.value_or(0)).c_str(), why.c_str());
      }
    }
    for (const StageView& s : view->stages) {
      auto from = replaced_from_.find(s.name);
      if (from == replaced_from_.end() || from->second != node) continue;
      if (!runs_stage(*view, s.name)) {
        // Back without running it (it knows it moved away): nothing to stand down.
        if (s.state == "moved") replaced_from_.erase(from);
        continue;
      }
      // Back from the dead and running it again: where does it live now?
      for (const NodeView& other : fleet) {
        if (other.id == node || other.state != "online" || !runs_stage(other, s.name)) continue;
        if (standing_down_.insert({node, s.name}).second)
          jobs.push_back(Job{Job::Kind::kStandDown, node, {}, s.name, other.id});
        break;
      }
    }
  }
  for (Job& job : jobs) push(std::move(job));
}

void PlacementService::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (stopping_) return;
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    switch (job.kind) {
      case Job::Kind::kReplace: replace_stages_of(job.node); break;
      case Job::Kind::kMove: move_for_load(job.move); break;
      case Job::Kind::kStandDown: stand_down(job); break;
    }
    lock.lock();
  }
}

void PlacementService::report(const std::string& stage, const json& verdict) {
  int token = 0;
  bus_.publish(topics::placement(stage), verdict.dump(), 1, true, &token);
  VerdictListener listener;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    listener = listener_;
  }
  if (listener) listener(verdict);
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
      replaced_from_[stage] = dead;   // should DEAD come back running it, it stands down
      standing_down_.erase({dead, stage});
    }
  }
}

// Online nodes with room: not the dead one, not already running a stage of
// that name, enough free memory for its engine allocations. Each is asked in
// turn until one takes it (a node refuses what its devices cannot serve).
bool PlacementService::replace_one(const std::string& dead, const json& snapshot, std::string* target,
                                   std::string* why) {
  const std::string stage = snapshot.value("stage", "");
  // The placement rule (placement_policy.h): online nodes with room, not
  // already running it, the dead node's tier first, this node last. Each is
  // asked in turn until one takes it (a node refuses what its devices cannot serve).
  StageNeeds needs;
  needs.stage = stage;
  needs.tier = snapshot.value("tier", "");
  if (snapshot.contains("settings") && snapshot["settings"].is_object())
    needs.memory_bytes = snapshot["settings"].value("memory_bytes", uint64_t{0});
  needs.exclude = {dead};
  PlacementRanking ranking = rank_nodes(fleet_.nodes(), needs, self_);
  const std::vector<NodeView>& candidates = ranking.candidates;
  if (candidates.empty()) {
    *why = "no online node can run it (" + (ranking.left_out.empty() ? std::string("none known") : ranking.reasons()) +
           ")";
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
    std::optional<json> prepared = call_(n.id, "stage.adopt", prepare, &error, step_timeout_);
    if (prepared && prepared->value("form", "instance") != "instance") {
      error = "node " + n.id + " runs another build of it, which cannot restore an instance snapshot";
      json abort = common;
      abort["phase"] = "abort";
      std::string ignored;
      call_(n.id, "stage.adopt", abort, &ignored, step_timeout_);
      prepared.reset();
    }
    if (prepared) {
      json commit = common;
      commit["phase"] = "commit";
      commit["snapshot"] = snapshot["snapshot"];
      commit["next_seq"] = snapshot.value("next_seq", uint64_t{0}) + kSeqJump;
      commit["covered"] = snapshot.value("covered", json::object());
      if (call_(n.id, "stage.adopt", commit, &error, step_timeout_)) {
        *target = n.id;
        return true;
      }
    }
    refusals += (refusals.empty() ? "" : "; ") + error;
  }
  *why = "no node took it: " + refusals;
  return false;
}

// The live move (the same stage.migrate as `continuum move`): nothing lost,
// nothing handled twice, the state carried over.
void PlacementService::move_for_load(const LoadMove& move) {
  const std::string why = "node " + move.from + " stayed above the load threshold (" + percent(move.from_percent) +
                          " of a core; the stage's share about " + percent(move.share_percent) + "), node " +
                          move.to + " had " + percent(move.to_percent);
  std::fprintf(stderr, "%s: placement: moving stage %s from %s to %s: %s\n", self_.c_str(), move.stage.c_str(),
               move.from.c_str(), move.to.c_str(), why.c_str());
  std::string error;
  std::optional<json> result =
      call_(move.from, "stage.migrate", {{"stage", move.stage}, {"to", move.to}}, &error, step_timeout_ * 3);
  json verdict = {{"stage", move.stage},
                  {"from", move.from},
                  {"cause", "load"},
                  {"load_percent", move.from_percent},
                  {"share_percent", move.share_percent},
                  {"target_percent", move.to_percent},
                  {"ts_ms", wall_clock_ms()}};
  if (result) {
    verdict["state"] = "moved";
    verdict["node"] = move.to;
    verdict["reason"] = why;
    if (result->contains("unavailable_ms")) verdict["unavailable_ms"] = (*result)["unavailable_ms"];
    std::fprintf(stderr, "%s: placement: stage %s now runs on %s\n", self_.c_str(), move.stage.c_str(),
                 move.to.c_str());
  } else {
    verdict["state"] = "stays";
    verdict["node"] = move.from;
    verdict["reason"] = "the move to " + move.to + " failed: " + error;
    std::fprintf(stderr, "%s: placement: stage %s stays on %s: %s\n", self_.c_str(), move.stage.c_str(),
                 move.from.c_str(), error.c_str());
  }
  report(move.stage, verdict);
  std::lock_guard<std::mutex> lock(mutex_);
  move_pending_ = false;
}

// A re-placed stage's old node is back and runs its configured copy: it
// stops it and keeps it as moved away (outputs under the same publisher
// would otherwise come from two nodes).
void PlacementService::stand_down(const Job& job) {
  std::string error;
  std::optional<json> result =
      call_(job.node, "stage.stand_down", {{"stage", job.stage}, {"runs_on", job.runs_on}}, &error, step_timeout_);
  if (result) {
    std::fprintf(stderr, "%s: placement: node %s is back; its copy of stage %s stood down (it runs on %s)\n",
                 self_.c_str(), job.node.c_str(), job.stage.c_str(), job.runs_on.c_str());
  } else {
    std::fprintf(stderr, "%s: placement: node %s runs stage %s again, which runs on %s; telling it to stand down failed: %s\n",
                 self_.c_str(), job.node.c_str(), job.stage.c_str(), job.runs_on.c_str(), error.c_str());
  }
  std::lock_guard<std::mutex> lock(mutex_);
  standing_down_.erase({job.node, job.stage});  // a failure is tried again at its next heartbeat
  // Stood down: the comeback is handled. Forgetting it matters: a later move
  // of the stage back to that node (continuum move, a load move) must not be
  // taken for another comeback and stood down too, which would leave the
  // stage running nowhere.
  auto from = replaced_from_.find(job.stage);
  if (result && from != replaced_from_.end() && from->second == job.node) replaced_from_.erase(from);
}

}  // namespace continuum::node::agent
