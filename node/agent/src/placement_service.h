// [placement] (docs/migration.md "Placement"): watches the fleet (status,
// heartbeats) and every node's last stage snapshots; when a node's Will
// arrives (status "offline"), restarts each of its movable stages on an
// online node with room from its last snapshot, and reports the stages bound
// to that node's devices as down. Verdicts are retained on
// ctm/v1/placement/<stage>.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "continuum/node/fleet.h"
#include "continuum/node/message_bus.h"

namespace continuum::node::agent {

class PlacementService {
 public:
  // Sends a command to a node and waits for its result (the agent's
  // request/reply over MQTT); nullopt and *error on a refusal or no answer.
  using CallNode = std::function<std::optional<nlohmann::json>(const std::string& node, const std::string& cmd,
                                                               const nlohmann::json& args, std::string* error)>;
  PlacementService(std::string self, MessageBus& bus, CallNode call);
  ~PlacementService();  // waits for a re-placement under way

  std::vector<std::string> subscriptions() const;
  // Bus thread. True for the snapshot topics (consumed); statuses and
  // heartbeats are looked at and left to others (false).
  bool handle_message(const Message& m);

  // A re-placed stage's outputs continue this far past the seq of its last
  // snapshot: numbers the dead node used after that snapshot are never
  // reused (ingest would take the new outputs for duplicates).
  static constexpr uint64_t kSeqJump = uint64_t(1) << 20;

 private:
  void run();
  void replace_stages_of(const std::string& node);
  bool replace_one(const std::string& dead, const nlohmann::json& snapshot, std::string* target, std::string* why);
  void report(const std::string& stage, const nlohmann::json& verdict);

  std::string self_;
  MessageBus& bus_;
  CallNode call_;
  FleetModel fleet_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, std::map<std::string, nlohmann::json>> snapshots_;  // node -> stage -> last snapshot
  std::deque<std::string> dead_;  // nodes whose Will arrived, to handle
  bool stopping_ = false;
  std::thread worker_;  // re-placements wait for answers: not on the bus thread
};

}  // namespace continuum::node::agent
