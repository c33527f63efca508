// The events log ring (node/core event_log.h), what the cloud turns into
// events (fleet_events.h: status flips, counters that grew, outbox
// overflows, OTA outcomes) and the data-flow graph built from fleet views
// (adapters/http graph_json.h). Pure logic; the same parts fed by real
// nodes over MQTT are in dashboard_api_test.cc.
#include <gtest/gtest.h>

#include "continuum/node/event_log.h"
#include "continuum/node/fleet.h"
#include "continuum/node/fleet_events.h"
#include "graph_json.h"

namespace continuum::node {
namespace {

FleetEvent named(const std::string& kind, const std::string& node = "n") {
  FleetEvent e;
  e.kind = kind;
  e.node = node;
  return e;
}

TEST(EventLog, IdsGrowAndTheRingKeepsTheNewest) {
  EventLog log(3);
  EXPECT_EQ(log.oldest_id(), 0u);
  EXPECT_EQ(log.last_id(), 0u);
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(log.add(named("k" + std::to_string(i), i % 2 ? "odd" : "even")).id, uint64_t(i));
  EXPECT_EQ(log.oldest_id(), 3u);
  EXPECT_EQ(log.last_id(), 5u);
  std::vector<FleetEvent> all = log.after(0, 100);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, 3u);
  EXPECT_EQ(all[2].kind, "k5");
  EXPECT_EQ(log.after(3, 100).size(), 2u);
  EXPECT_EQ(log.after(3, 1).front().id, 4u);  // the oldest after `since` first
  EXPECT_TRUE(log.after(5, 100).empty());
  std::vector<FleetEvent> newest = log.latest(2);
  ASSERT_EQ(newest.size(), 2u);
  EXPECT_EQ(newest[0].id, 4u);
  EXPECT_EQ(newest[1].id, 5u);
  std::vector<FleetEvent> odd = log.latest(10, "odd");
  ASSERT_EQ(odd.size(), 2u);
  EXPECT_EQ(odd[0].id, 3u);
  EXPECT_EQ(odd[1].id, 5u);
}

NodeView view(const std::string& state, std::map<std::string, double> counters = {}, double overflow = 0) {
  NodeView n;
  n.id = "edge-1";
  n.state = state;
  StageView s;
  s.name = "filter";
  s.state = "running";
  s.counters = std::move(counters);
  n.stages.push_back(s);
  n.outbox_overflow = overflow;
  return n;
}

TEST(FleetEvents, StatusFlipsBecomeOnlineAndOfflineEvents) {
  EXPECT_TRUE(events_from_status(view("online"), view("online"), 1).empty());
  std::vector<FleetEvent> off = events_from_status(view("online"), view("offline"), 7);
  ASSERT_EQ(off.size(), 1u);
  EXPECT_EQ(off[0].kind, "offline");
  EXPECT_EQ(off[0].severity, "error");
  EXPECT_EQ(off[0].node, "edge-1");
  EXPECT_EQ(off[0].ts_ms, 7);
  std::vector<FleetEvent> back = events_from_status(view("offline"), view("online"), 8);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].kind, "online");
  EXPECT_NE(back[0].message.find("back online"), std::string::npos);
  EXPECT_EQ(events_from_status(std::nullopt, view("online"), 9).at(0).kind, "online");
}

TEST(FleetEvents, CountersThatGrewBecomeEventsWithTheGrowth) {
  const NodeView before = view("online", {{"traps", 1}, {"restarts", 1}, {"rollbacks", 0}}, 5);
  const NodeView after = view("online", {{"traps", 3}, {"restarts", 1}, {"rollbacks", 1}}, 9);
  std::vector<FleetEvent> events = events_from_heartbeat(before, after, 1);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].kind, "trap");
  EXPECT_EQ(events[0].stage, "filter");
  EXPECT_EQ(events[0].count, 2u);
  EXPECT_NE(events[0].message.find("3 so far"), std::string::npos) << events[0].message;
  EXPECT_EQ(events[1].kind, "rollback");
  EXPECT_EQ(events[2].kind, "outbox-overflow");
  EXPECT_EQ(events[2].count, 4u);
  EXPECT_TRUE(events_from_heartbeat(after, after, 2).empty());
  // The agent restarted: its counters start over, what it counts now is new.
  std::vector<FleetEvent> restarted = events_from_heartbeat(after, view("online", {{"traps", 1}}), 3);
  ASSERT_EQ(restarted.size(), 1u);
  EXPECT_EQ(restarted[0].count, 1u);
  // The first heartbeat seen reports what the node counted already.
  EXPECT_EQ(events_from_heartbeat(std::nullopt, view("online", {{"out_of_fuel", 2}}), 4).at(0).kind, "out-of-fuel");
}

TEST(FleetEvents, OtaOutcomesNameTheRefusalOrFailure) {
  auto kind = [](const std::string& payload) {
    std::optional<FleetEvent> e = event_from_ota_status("edge-1", payload, 1);
    return e ? e->kind : std::string("none");
  };
  EXPECT_EQ(kind(R"({"state":"failed","name":"soil-filter","version":"2.0.0","reason":"unknown key: abcd"})"),
            "module-refused");
  EXPECT_EQ(kind(R"({"state":"failed","reason":"downgrade refused: 1.0.0 < 2.0.0"})"), "module-refused");
  EXPECT_EQ(kind(R"({"state":"failed","reason":"the offer names no stage"})"), "ota-failed");
  EXPECT_EQ(kind(R"({"state":"rolled-back","reason":"trap on probation"})"), "ota-rolled-back");
  EXPECT_EQ(kind(R"({"state":"running","name":"soil-filter","version":"2.0.0"})"), "ota-running");
  EXPECT_EQ(kind(R"({"state":"downloading","received":1,"chunks":4})"), "none");
  EXPECT_EQ(kind("not json"), "none");
  std::optional<FleetEvent> e =
      event_from_ota_status("edge-1", R"({"state":"failed","stage":"filter","name":"f","version":"1.0.0","reason":"hash mismatch: x"})", 5);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->stage, "filter");
  EXPECT_EQ(e->message, "edge-1/filter refused f 1.0.0: hash mismatch: x");
}

StageView stage(const std::string& name, std::map<std::string, std::vector<std::string>> inputs,
                std::vector<std::string> grants, double out_per_s, std::map<std::string, double> counters = {}) {
  StageView s;
  s.name = name;
  s.state = "running";
  s.inputs = std::move(inputs);
  s.grants = std::move(grants);
  s.publish = {"*"};
  s.rates = {{"in_per_s", 0.0}, {"out_per_s", out_per_s}};
  s.counters = std::move(counters);
  return s;
}

const nlohmann::json* find_id(const nlohmann::json& list, const std::string& id) {
  for (const nlohmann::json& x : list)
    if (x["id"] == id) return &x;
  return nullptr;
}

TEST(Graph, MachinesStagesDevicesSinksAndRatedRoutes) {
  NodeView edge;
  edge.id = "edge-1";
  edge.tier = "edge";
  edge.state = "online";
  edge.stages = {stage("control", {}, {"config", "sensor:soil-1", "actuator:pump-1", "emit:readings"}, 2.0)};
  NodeView fog;
  fog.id = "fog-1";
  fog.tier = "fog";
  fog.state = "offline";
  fog.stages = {stage("filter", {{"readings", {"edge-1/control/readings", "edge-9/control/readings"}}}, {"config"}, 1.5,
                      {{"traps", 1}}),
                stage("local", {{"in", {"filter.filtered"}}}, {}, 0.0)};
  NodeView cloud;
  cloud.id = "cloud-1";
  cloud.tier = "cloud";
  cloud.state = "online";
  cloud.ingest = true;
  nlohmann::json g = adapters::http::graph_json({cloud, edge, fog});

  ASSERT_TRUE(find_id(g["machines"], "edge-9")) << g.dump(1);  // wired but never heard from
  EXPECT_EQ((*find_id(g["machines"], "edge-9"))["state"], "unknown");
  EXPECT_EQ((*find_id(g["nodes"], "edge-1/sensor/soil-1"))["kind"], "sensor");
  EXPECT_EQ((*find_id(g["nodes"], "edge-1/actuator/pump-1"))["machine"], "edge-1");
  EXPECT_EQ((*find_id(g["nodes"], "cloud-1/sink/ingest"))["kind"], "sink");
  EXPECT_EQ((*find_id(g["nodes"], "edge-1/stage/control"))["health"], "ok");
  EXPECT_EQ((*find_id(g["nodes"], "fog-1/stage/filter"))["health"], "offline");
  EXPECT_FALSE(find_id(g["nodes"], "edge-1/sensor/config"));

  const nlohmann::json* route =
      find_id(g["edges"], "edge-1/stage/control:readings->fog-1/stage/filter:readings");
  ASSERT_TRUE(route) << g["edges"].dump(1);
  EXPECT_EQ((*route)["kind"], "route");
  EXPECT_EQ((*route)["remote"], true);
  EXPECT_EQ((*route)["rate_per_s"], 2.0);
  const nlohmann::json* local = find_id(g["edges"], "fog-1/stage/filter:filtered->fog-1/stage/local:in");
  ASSERT_TRUE(local);
  EXPECT_EQ((*local)["remote"], false);
  EXPECT_EQ((*local)["rate_per_s"], 1.5);
  EXPECT_TRUE(find_id(g["edges"], "edge-1/sensor/soil-1->edge-1/stage/control"));
  EXPECT_TRUE(find_id(g["edges"], "edge-1/stage/control->edge-1/actuator/pump-1"));
  const nlohmann::json* ingest = find_id(g["edges"], "edge-1/stage/control->cloud-1/sink/ingest");
  ASSERT_TRUE(ingest);
  EXPECT_EQ((*ingest)["rate_per_s"], 2.0);

  // Health of a stage: warnings for traps while running, error when not running.
  fog.state = "online";
  EXPECT_EQ(adapters::http::stage_health(fog, fog.stages[0]), "warning");
  fog.stages[1].state = "backoff";
  EXPECT_EQ(adapters::http::stage_health(fog, fog.stages[1]), "error");
}

}  // namespace
}  // namespace continuum::node
