// RolloutTracker (docs/ota.md "Deploy and rollback across nodes"): node
// statuses become per-node progress, matched by transfer and attempt (a
// rollback's by transfer alone), each state kept as a step, final states end
// a target, and the listener hears every change.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "continuum/ota/rollout.h"

namespace continuum::ota {
namespace {

OtaStatus status(const std::string& transfer, uint64_t attempt, OtaState state, uint32_t received = 0,
                 uint32_t chunks = 0, const std::string& reason = "") {
  OtaStatus s;
  s.transfer = transfer;
  s.attempt = attempt;
  s.state = state;
  s.received = received;
  s.chunks = chunks;
  s.reason = reason;
  return s;
}

Rollout two_node_deploy() {
  Rollout r;
  r.kind = "deploy";
  r.stage = "filter";
  for (const char* node : {"edge-1", "edge-2"}) {
    RolloutTarget t;
    t.node = node;
    t.transfer = "3fa1c0de12345678-4096";
    t.attempt = 7;
    t.state = "offered";
    r.targets.push_back(t);
  }
  return r;
}

TEST(RolloutTracker, FollowsEachNodeToItsFinalStateWithEveryStep) {
  RolloutTracker tracker;
  std::vector<std::string> heard;
  tracker.set_listener([&](const Rollout&, const RolloutTarget& t) { heard.push_back(t.node + ":" + t.state); });
  Rollout r = tracker.begin(two_node_deploy());
  EXPECT_EQ(r.id, "deploy-1");
  const std::string transfer = "3fa1c0de12345678-4096";

  tracker.on_status("edge-1", status(transfer, 7, OtaState::kDownloading, 3, 6));
  tracker.on_status("edge-1", status(transfer, 6, OtaState::kFailed, 0, 0, "an older attempt"));  // not this offer
  tracker.on_status("edge-2", status("other-transfer", 7, OtaState::kFailed));                   // nor this
  tracker.on_status("edge-1", status(transfer, 7, OtaState::kVerifying));
  tracker.on_status("edge-1", status(transfer, 7, OtaState::kRunning));
  tracker.on_status("edge-2", status(transfer, 7, OtaState::kRolledBack, 0, 0, "trapped: unreachable"));
  tracker.on_status("edge-2", status(transfer, 7, OtaState::kRunning));  // done already: ignored

  std::optional<Rollout> now = tracker.get(r.id);
  ASSERT_TRUE(now);
  EXPECT_TRUE(now->done());
  EXPECT_FALSE(now->succeeded());
  EXPECT_EQ(now->targets[0].state, "running");
  ASSERT_EQ(now->targets[0].steps.size(), 4u);  // offered, downloading, verifying, running
  EXPECT_EQ(now->targets[0].steps[1].state, "downloading");
  EXPECT_EQ(now->targets[0].steps[1].received, 3u);
  EXPECT_EQ(now->targets[0].steps[1].chunks, 6u);
  EXPECT_EQ(now->targets[1].state, "rolled-back");
  EXPECT_EQ(now->targets[1].reason, "trapped: unreachable");
  EXPECT_EQ(heard, (std::vector<std::string>{"edge-1:downloading", "edge-1:verifying", "edge-1:running",
                                             "edge-2:rolled-back"}));

  nlohmann::json j = nlohmann::json::parse(rollout_json(*now));
  EXPECT_EQ(j["id"], "deploy-1");
  EXPECT_EQ(j["done"], true);
  EXPECT_EQ(j["succeeded"], false);
  EXPECT_EQ(j["targets"][1]["reason"], "trapped: unreachable");
  EXPECT_EQ(j["targets"][0]["steps"].size(), 4u);
  nlohmann::json event = nlohmann::json::parse(rollout_event_json(*now, now->targets[1]));
  EXPECT_EQ(event["node"], "edge-2");
  EXPECT_EQ(event["stage"], "filter");
  EXPECT_EQ(event["rollout_done"], true);
}

TEST(RolloutTracker, ARollbackMatchesAnyAttemptAndEndsOnARefusal) {
  RolloutTracker tracker;
  Rollout r;
  r.kind = "rollback";
  r.stage = "filter";
  for (const char* node : {"edge-1", "edge-2"}) {
    RolloutTarget t;
    t.node = node;
    t.transfer = "stage.update:filter";
    t.any_attempt = true;
    t.state = "requested";
    r.targets.push_back(t);
  }
  r = tracker.begin(r);
  EXPECT_EQ(r.id, "rollback-1");
  tracker.note(r.id, "edge-1", "installing");
  tracker.on_status("edge-1", status("stage.update:filter", 0, OtaState::kInstalling));
  tracker.on_status("edge-1", status("stage.update:filter", 0, OtaState::kRunning));
  tracker.finish(r.id, "edge-2", OtaState::kFailed, "stage filter cannot roll back: no previous version is kept");
  tracker.note(r.id, "edge-2", "installing");  // after the end: ignored
  std::optional<Rollout> now = tracker.get(r.id);
  ASSERT_TRUE(now);
  EXPECT_TRUE(now->done());
  EXPECT_EQ(now->targets[0].state, "running");
  EXPECT_EQ(now->targets[1].state, "failed");
  EXPECT_EQ(now->targets[1].reason, "stage filter cannot roll back: no previous version is kept");
  EXPECT_FALSE(tracker.get("rollback-9"));
}

TEST(RolloutTracker, KeepsTheLastRollouts) {
  RolloutTracker tracker(2);
  for (int i = 0; i < 3; ++i) tracker.begin(two_node_deploy());
  std::vector<Rollout> kept = tracker.recent();
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].id, "deploy-2");
  EXPECT_EQ(kept[1].id, "deploy-3");
  EXPECT_FALSE(tracker.get("deploy-1"));
}

}  // namespace
}  // namespace continuum::ota
