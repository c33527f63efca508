// FleetModel fed with (topic, payload) as the bus delivers them: statuses,
// heartbeats of today's agent and of other shapes, and garbage.
#include <gtest/gtest.h>

#include "continuum/node/fleet.h"

namespace continuum::node {
namespace {

const char* kHeartbeat = R"({"node":"edge-1","ts":1763712000123,"uptime_s":12.5,"stages":1,"tier":"edge",
  "engine":"continuum-interp","version":"0.2.0","cpu_percent":3.5,"rss_kb":10240,
  "outbox":{"depth":4,"overflow":1},
  "load":{"1m":0.5,"5m":0.4,"15m":0.3,"host_uptime_s":100,"mem_total_kb":1000,"mem_available_kb":600},
  "process":{"cpu_s":0.42,"max_rss_kb":20000},
  "stage_stats":{"control":{"state":"running","delivered":10,"emitted":20,"in_per_s":1.5,"out_per_s":3.0,"queue":2}}})";

TEST(FleetModel, StatusAndHeartbeatMakeANodeView) {
  FleetModel fleet;
  FleetUpdate u = fleet.handle("ctm/v1/edge-1/status", R"({"node":"edge-1","state":"online"})", 1000);
  EXPECT_EQ(u.kind, FleetUpdate::Kind::kStatus);
  EXPECT_TRUE(u.state_changed);
  EXPECT_EQ(u.node, "edge-1");
  u = fleet.handle("ctm/v1/edge-1/hb", kHeartbeat, 2000);
  EXPECT_EQ(u.kind, FleetUpdate::Kind::kHeartbeat);
  EXPECT_FALSE(u.state_changed);
  std::optional<NodeView> n = fleet.node("edge-1");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->state, "online");
  EXPECT_EQ(n->state_since_ms, 1000);
  EXPECT_EQ(n->last_seen_ms, 2000);
  EXPECT_EQ(n->heartbeat_ts_ms, 1763712000123);
  EXPECT_EQ(n->tier, "edge");
  EXPECT_EQ(n->engine, "continuum-interp");
  EXPECT_EQ(n->version, "0.2.0");
  EXPECT_EQ(n->cpu_percent, 3.5);
  EXPECT_EQ(n->rss_kb, 10240);  // the top-level figure wins over process.max_rss_kb
  EXPECT_EQ(n->cpu_s, 0.42);
  EXPECT_EQ(n->outbox_depth, 4);
  EXPECT_EQ(n->outbox_overflow, 1);
  EXPECT_EQ(n->load1, 0.5);
  EXPECT_EQ(n->mem_available_kb, 600);
  ASSERT_EQ(n->stages.size(), 1u);
  const StageView& s = n->stages[0];
  EXPECT_EQ(s.name, "control");
  EXPECT_EQ(s.state, "running");
  EXPECT_EQ(s.rates.at("in_per_s"), 1.5);
  EXPECT_EQ(s.rates.at("out_per_s"), 3.0);
  EXPECT_EQ(s.counters.at("delivered"), 10);
  EXPECT_EQ(s.counters.at("queue"), 2);
  EXPECT_EQ(s.counters.count("in_per_s"), 0u);

  u = fleet.handle("ctm/v1/edge-1/status", R"({"node":"edge-1","state":"offline"})", 3000);
  EXPECT_TRUE(u.state_changed);
  n = fleet.node("edge-1");
  EXPECT_EQ(n->state, "offline");
  EXPECT_EQ(n->state_since_ms, 3000);
  EXPECT_EQ(n->stages.size(), 1u);  // the last known stages stay
  // A late heartbeat does not bring an offline node back; the status does.
  fleet.handle("ctm/v1/edge-1/hb", kHeartbeat, 3500);
  EXPECT_EQ(fleet.node("edge-1")->state, "offline");
  u = fleet.handle("ctm/v1/edge-1/status", R"({"node":"edge-1","state":"online"})", 4000);
  EXPECT_TRUE(u.state_changed);
  EXPECT_EQ(fleet.counters().statuses, 3u);
  EXPECT_EQ(fleet.counters().heartbeats, 2u);
  EXPECT_EQ(fleet.counters().malformed, 0u);
}

TEST(FleetModel, HeartbeatAloneMarksAnUnknownNodeOnline) {
  FleetModel fleet;
  FleetUpdate u = fleet.handle("ctm/v1/fog-1/hb", R"({"ts":5})", 10);
  EXPECT_TRUE(u.state_changed);
  EXPECT_EQ(fleet.node("fog-1")->state, "online");
  EXPECT_EQ(fleet.node("fog-1")->heartbeats, 1u);
  EXPECT_FALSE(fleet.node("fog-1")->cpu_percent.has_value());
}

TEST(FleetModel, StagesAsAnArrayAndProcessFiguresAreUnderstood) {
  FleetModel fleet;
  fleet.handle("ctm/v1/e/hb", R"({"stages":[{"name":"b","state":"backoff","restarts":2},{"name":"a","in_per_s":1}],
    "process":{"cpu_percent":7,"max_rss_kb":300}})", 1);
  NodeView n = *fleet.node("e");
  ASSERT_EQ(n.stages.size(), 2u);
  EXPECT_EQ(n.stages[0].name, "a");  // by name
  EXPECT_EQ(n.stages[1].counters.at("restarts"), 2);
  EXPECT_EQ(n.cpu_percent, 7);
  EXPECT_EQ(n.rss_kb, 300);
}

TEST(FleetModel, GarbageIsCountedAndChangesNothing) {
  FleetModel fleet;
  fleet.handle("ctm/v1/edge-1/hb", kHeartbeat, 1);
  const char* garbage[] = {"{broken", "[]", "42", "\"online\"", R"({"state":"sideways"})", R"({"state":7})",
                           "\xff\xfe", R"({"node":"edge-1","state":null})"};
  for (const char* payload : garbage) {
    FleetUpdate u = fleet.handle("ctm/v1/edge-1/status", payload, 2);
    EXPECT_EQ(u.kind, FleetUpdate::Kind::kNone) << payload;
  }
  // Mistyped members of a heartbeat are skipped, the rest is applied.
  FleetUpdate u = fleet.handle("ctm/v1/edge-1/hb", R"({"tier":5,"cpu_percent":"high","outbox":[1],
    "stage_stats":{"control":"running","other":{"state":3,"delivered":"many","emitted":1}}})", 3);
  EXPECT_EQ(u.kind, FleetUpdate::Kind::kHeartbeat);
  NodeView n = *fleet.node("edge-1");
  EXPECT_EQ(n.tier, "edge");        // kept from before
  EXPECT_EQ(n.cpu_percent, 3.5);    // kept from before
  EXPECT_EQ(n.outbox_depth, 4);
  ASSERT_EQ(n.stages.size(), 1u);   // "control" was not an object
  EXPECT_EQ(n.stages[0].name, "other");
  EXPECT_EQ(n.stages[0].state, "");
  EXPECT_EQ(n.stages[0].counters.count("delivered"), 0u);
  EXPECT_EQ(n.stages[0].counters.at("emitted"), 1);
  EXPECT_EQ(fleet.counters().malformed, std::size(garbage));
  EXPECT_EQ(n.state, "online");
  // Garbage never creates nodes; other topics and empty payloads are ignored.
  fleet.handle("ctm/v1/ghost/status", "nonsense", 4);
  fleet.handle("ctm/v1/ghost/status", "", 4);
  fleet.handle("ctm/v1/data/ghost/s/out", "{}", 4);
  fleet.handle("ctm/v1/ghost/cmd", "{}", 4);
  fleet.handle("elsewhere/ghost/status", R"({"state":"online"})", 4);
  fleet.handle("ctm/v1//status", R"({"state":"online"})", 4);
  EXPECT_FALSE(fleet.node("ghost"));
  EXPECT_EQ(fleet.nodes().size(), 1u);
  EXPECT_EQ(fleet.counters().ignored, 5u);
}

}  // namespace
}  // namespace continuum::node
