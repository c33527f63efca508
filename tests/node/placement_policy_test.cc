// The placement rule (node/agent/src/placement_policy.h) on fleet views built
// from real heartbeat and status payloads fed to a FleetModel: which nodes
// are candidates, in which order, and why each other one is left out.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "continuum/node/fleet.h"
#include "placement_policy.h"

namespace continuum::node::agent {
namespace {

using nlohmann::json;

struct Node {
  std::string id, tier;
  double mem_available_kb = 4.0 * 1024 * 1024;  // 4 GiB
  double cpu_percent = 1;
  std::vector<std::string> devices;
  std::vector<std::string> stages;
  std::string state = "online";
  bool report_devices = true;
};

std::vector<NodeView> fleet_of(const std::vector<Node>& nodes) {
  FleetModel fleet;
  for (const Node& n : nodes) {
    json stages = json::object();
    for (const std::string& s : n.stages) stages[s] = {{"state", "running"}};
    json hb = {{"node", n.id},
               {"tier", n.tier},
               {"process", {{"cpu_percent", n.cpu_percent}}},
               {"load", {{"1m", 0.5}, {"mem_total_kb", 8e6}, {"mem_available_kb", n.mem_available_kb}}},
               {"stage_stats", stages}};
    if (n.report_devices) hb["devices"] = n.devices;
    fleet.handle("ctm/v1/" + n.id + "/hb", hb.dump(), 1000);
    fleet.handle("ctm/v1/" + n.id + "/status", json{{"state", n.state}}.dump(), 1001);
  }
  return fleet.nodes();
}

std::vector<std::string> ids(const PlacementRanking& r) {
  std::vector<std::string> out;
  for (const NodeView& n : r.candidates) out.push_back(n.id);
  return out;
}

TEST(PlacementPolicy, HeartbeatDevicesReachTheFleetView) {
  std::vector<NodeView> fleet = fleet_of({{.id = "edge-1", .tier = "edge", .devices = {"sensor:soil-1"}},
                                          {.id = "old-1", .tier = "edge", .report_devices = false}});
  ASSERT_TRUE(fleet[0].devices.has_value());
  EXPECT_EQ(*fleet[0].devices, std::vector<std::string>{"sensor:soil-1"});
  EXPECT_FALSE(fleet[1].devices.has_value());
}

TEST(PlacementPolicy, DeviceGrantsOnlyOnNodesHavingThoseDevices) {
  std::vector<NodeView> fleet = fleet_of({{.id = "cloud-1", .tier = "cloud"},
                                          {.id = "edge-1", .tier = "edge", .devices = {"sensor:soil-1"}},
                                          {.id = "edge-2", .tier = "edge", .devices = {"sensor:soil-2"}},
                                          {.id = "old-1", .tier = "edge", .report_devices = false}});
  StageNeeds needs{.stage = "probe", .grants = {"emit", "sensor:soil-1"}};
  PlacementRanking r = rank_nodes(fleet, needs, "cloud-1");
  EXPECT_EQ(ids(r), std::vector<std::string>{"edge-1"});
  EXPECT_EQ(r.reason_for("cloud-1"), "lacks device sensor:soil-1");
  EXPECT_EQ(r.reason_for("edge-2"), "lacks device sensor:soil-1");
  EXPECT_EQ(r.reason_for("old-1"), "does not report its devices (an older agent?)");
  EXPECT_EQ(r.reason_for("edge-1"), std::nullopt);
  EXPECT_EQ(r.reasons(), "cloud-1: lacks device sensor:soil-1; edge-2: lacks device sensor:soil-1; "
                         "old-1: does not report its devices (an older agent?)");
}

TEST(PlacementPolicy, WildcardDeviceGrantNeedsAnyDeviceOfThatKind) {
  EXPECT_EQ(missing_device({"sensor:*"}, {"sensor:a"}), "");
  EXPECT_EQ(missing_device({"sensor:*"}, {"actuator:a"}), "sensor:*");
  EXPECT_EQ(missing_device({"kv", "emit", "log"}, {}), "");
  EXPECT_EQ(missing_device({"serial:rs485", "actuator:valve"}, {"serial:rs485"}), "actuator:valve");
  EXPECT_TRUE(is_device_grant("serial:x"));
  EXPECT_FALSE(is_device_grant("kv"));
  EXPECT_FALSE(is_device_grant("sensors"));
}

TEST(PlacementPolicy, RequiredTierLeavesOthersOutPreferredTierComesFirst) {
  std::vector<NodeView> fleet = fleet_of({{.id = "cloud-1", .tier = "cloud"},
                                          {.id = "edge-1", .tier = "edge"},
                                          {.id = "fog-1", .tier = "fog"}});
  PlacementRanking required = rank_nodes(fleet, {.stage = "f", .tier = "fog", .tier_required = true}, "cloud-1");
  EXPECT_EQ(ids(required), std::vector<std::string>{"fog-1"});
  EXPECT_EQ(required.reason_for("edge-1"), "wrong tier (edge; needs fog)");
  EXPECT_EQ(required.reason_for("cloud-1"), "wrong tier (cloud; needs fog)");

  PlacementRanking preferred = rank_nodes(fleet, {.stage = "f", .tier = "fog"}, "cloud-1");
  EXPECT_EQ(ids(preferred), (std::vector<std::string>{"fog-1", "edge-1", "cloud-1"}));
  EXPECT_TRUE(preferred.left_out.empty());
}

TEST(PlacementPolicy, MostRoomFirstThisNodeLast) {
  // Free memory decides in 64 MiB steps; within a step the lower CPU wins.
  std::vector<NodeView> fleet = fleet_of({{.id = "cloud-1", .tier = "fog", .mem_available_kb = 64e6},
                                          {.id = "fog-a", .tier = "fog", .mem_available_kb = 1e6, .cpu_percent = 5},
                                          {.id = "fog-b", .tier = "fog", .mem_available_kb = 3e6, .cpu_percent = 90},
                                          {.id = "fog-c", .tier = "fog", .mem_available_kb = 3e6 + 100, .cpu_percent = 10}});
  PlacementRanking r = rank_nodes(fleet, {.stage = "f"}, "cloud-1");
  EXPECT_EQ(ids(r), (std::vector<std::string>{"fog-c", "fog-b", "fog-a", "cloud-1"}));
}

TEST(PlacementPolicy, MemoryOfflineExcludedBusyAndRunningAreLeftOutWithReasons) {
  std::vector<NodeView> fleet =
      fleet_of({{.id = "a", .tier = "edge", .mem_available_kb = 100 * 1024},
                {.id = "b", .tier = "edge", .state = "offline"},
                {.id = "c", .tier = "edge"},
                {.id = "d", .tier = "edge", .cpu_percent = 95},
                {.id = "e", .tier = "edge", .stages = {"f"}},
                {.id = "g", .tier = "edge"}});
  StageNeeds needs{.stage = "f", .memory_bytes = 512u << 20, .exclude = {"c"}, .max_cpu_percent = 80};
  PlacementRanking r = rank_nodes(fleet, needs, "cloud-1");
  EXPECT_EQ(ids(r), std::vector<std::string>{"g"});
  EXPECT_EQ(r.reason_for("a"), "not enough memory (needs 512 MiB, has 100 MiB free)");
  EXPECT_EQ(r.reason_for("b"), "offline");
  EXPECT_EQ(r.reason_for("c"), "excluded");
  EXPECT_EQ(r.reason_for("d"), "busy (cpu 95%, above 80%)");
  EXPECT_EQ(r.reason_for("e"), "already runs stage f");
}

TEST(PlacementPolicy, NothingFitsEveryNodeHasAReason) {
  std::vector<NodeView> fleet = fleet_of({{.id = "a", .tier = "edge"}, {.id = "b", .tier = "fog"}});
  PlacementRanking r = rank_nodes(fleet, {.stage = "f", .memory_bytes = uint64_t(1) << 50}, "a");
  EXPECT_TRUE(r.candidates.empty());
  ASSERT_EQ(r.left_out.size(), 2u);
  EXPECT_EQ(r.reasons(),
            "a: not enough memory (needs 1073741824 MiB, has 4096 MiB free); "
            "b: not enough memory (needs 1073741824 MiB, has 4096 MiB free)");
}

}  // namespace
}  // namespace continuum::node::agent
