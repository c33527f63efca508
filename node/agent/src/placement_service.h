// [placement] (docs/migration.md "Placement"): watches the fleet (status,
// heartbeats) and every node's last stage snapshots, and acts on three
// occasions, each on a thread of its own (the calls wait for answers):
// * a node's Will arrives (status "offline"): each of its movable stages is
//   restarted on an online node with room from its last snapshot; the stages
//   bound to that node's devices are reported down;
// * a node's load stays above [placement] load_threshold for load_window:
//   its movable stage with the largest share is moved (stage.migrate, the
//   live move) to the least loaded node with room (LoadBalancer's rule);
// * a node whose stage was re-placed comes back and runs it again: it is
//   told to stand down (stage.stand_down), so no second copy runs.
// Verdicts are retained on ctm/v1/placement/<stage> and logged.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "continuum/node/fleet.h"
#include "continuum/node/message_bus.h"
#include "load_balance.h"

namespace continuum::node::agent {

class PlacementService {
 public:
  // Sends a command to a node and waits up to TIMEOUT for its result (the
  // agent's request/reply over MQTT); nullopt and *error on a refusal or no
  // answer.
  using CallNode = std::function<std::optional<nlohmann::json>(const std::string& node, const std::string& cmd,
                                                               const nlohmann::json& args, std::string* error,
                                                               std::chrono::milliseconds timeout)>;
  // Each verdict as it is retained (for the dashboard's event log).
  using VerdictListener = std::function<void(const nlohmann::json& verdict)>;

  // STEP_TIMEOUT: one stage.adopt step's answer; a whole stage.migrate is
  // given three of them (its source waits for two).
  PlacementService(std::string self, MessageBus& bus, CallNode call, LoadSettings load,
                   std::chrono::milliseconds step_timeout);
  ~PlacementService();  // waits for a re-placement or move under way

  void set_verdict_listener(VerdictListener listener);

  std::vector<std::string> subscriptions() const;
  // Bus thread. True for the snapshot topics (consumed); statuses and
  // heartbeats are looked at and left to others (false).
  bool handle_message(const Message& m);

  // A re-placed stage's outputs continue this far past the seq of its last
  // snapshot: numbers the dead node used after that snapshot are never
  // reused (ingest would take the new outputs for duplicates).
  static constexpr uint64_t kSeqJump = uint64_t(1) << 20;

 private:
  // Work for the thread: a dead node's stages, a load move, a stand-down.
  struct Job {
    enum class Kind { kReplace, kMove, kStandDown } kind;
    std::string node;  // the dead node; the node standing down
    LoadMove move;     // kMove
    std::string stage, runs_on;  // kStandDown
  };
  void run();
  void on_heartbeat(const std::string& node);
  void replace_stages_of(const std::string& node);
  bool replace_one(const std::string& dead, const nlohmann::json& snapshot, std::string* target, std::string* why);
  void move_for_load(const LoadMove& move);
  void stand_down(const Job& job);
  void report(const std::string& stage, const nlohmann::json& verdict);
  void push(Job job);

  std::string self_;
  MessageBus& bus_;
  CallNode call_;
  std::chrono::milliseconds step_timeout_;
  FleetModel fleet_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, std::map<std::string, nlohmann::json>> snapshots_;  // node -> stage -> last snapshot
  LoadBalancer balancer_;     // guarded by mutex_
  bool move_pending_ = false;  // one load move at a time (queued or under way)
  // Re-placed stages: stage -> the dead node it was restarted away from (a
  // copy there, once it is back, stands down); and stand-downs asked for.
  std::map<std::string, std::string> replaced_from_;
  std::set<std::pair<std::string, std::string>> standing_down_;  // (node, stage)
  VerdictListener listener_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::thread worker_;  // re-placements wait for answers: not on the bus thread
};

}  // namespace continuum::node::agent
