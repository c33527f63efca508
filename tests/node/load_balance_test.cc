// The rule behind load-based moves (node/agent/src/load_balance.h): a node
// must stay above the threshold for the whole window (a spike moves
// nothing), the movable stage with the largest share goes to the least
// loaded node where it fits under the threshold minus the margin, device-
// bound stages stay, and a moved stage cools down (no ping-pong).
#include <gtest/gtest.h>

#include "load_balance.h"

namespace continuum::node::agent {
namespace {

using std::chrono::milliseconds;

StageView stage(const std::string& name, double fuel_used, std::vector<std::string> grants = {}) {
  StageView s;
  s.name = name;
  s.state = "running";
  s.counters["fuel_used"] = fuel_used;
  s.counters["delivered"] = fuel_used / 1000;
  s.grants = std::move(grants);
  return s;
}

NodeView node(const std::string& id, double cpu, std::vector<StageView> stages = {}) {
  NodeView n;
  n.id = id;
  n.state = "online";
  n.heartbeats = 1;
  n.cpu_percent = cpu;
  n.stages = std::move(stages);
  return n;
}

LoadSettings settings() {
  LoadSettings s;
  s.threshold_percent = 50;
  s.window = milliseconds(3000);
  s.cooldown = milliseconds(60000);
  s.margin_percent = 10;
  return s;
}

// Heartbeats of a busy w1 (a: 3/4 of the fuel, b: 1/4) every second from T0
// to T1, at CPU; an idle w2 and the placing cloud (30%) alongside.
struct Fleet {
  LoadBalancer balancer{settings()};
  std::vector<NodeView> nodes;
  double fuel_a = 0, fuel_b = 0;
  void beat(int64_t from_ms, int64_t to_ms, double cpu, std::vector<std::string> a_grants = {}) {
    for (int64_t t = from_ms; t <= to_ms; t += 1000) {
      fuel_a += 3000;
      fuel_b += 1000;
      nodes = {node("cloud", 30), node("w1", cpu, {stage("a", fuel_a, a_grants), stage("b", fuel_b)}),
               node("w2", 5)};
      for (const NodeView& n : nodes) balancer.observe(n, t);
    }
  }
};

TEST(LoadBalance, ASpikeMovesNothingASustainedLoadMovesTheLargestShare) {
  Fleet f;
  std::string why;
  f.beat(0, 2000, 20);
  f.beat(3000, 3000, 80);  // one heartbeat above
  f.beat(4000, 9000, 20);  // and back down
  EXPECT_FALSE(f.balancer.sustained("w1", 9000));
  EXPECT_FALSE(f.balancer.decide("w1", f.nodes, "cloud", 9000, &why));

  f.beat(10000, 12000, 40);  // shares: a 30, b 10
  f.beat(13000, 15000, 60);  // above from 13000: a 45, b 15
  EXPECT_FALSE(f.balancer.sustained("w1", 15000)) << "2 s of a 3 s window";
  EXPECT_NEAR(f.balancer.share("w1", "a"), 45, 0.01);
  EXPECT_NEAR(f.balancer.share("w1", "b"), 15, 0.01);
  f.beat(16000, 16000, 60);
  ASSERT_TRUE(f.balancer.sustained("w1", 16000));
  // a (45%) fits nowhere under 50 - 10 (w2 is at 5%): b (15%) goes to w2.
  std::optional<LoadMove> move = f.balancer.decide("w1", f.nodes, "cloud", 16000, &why);
  ASSERT_TRUE(move) << why;
  EXPECT_EQ(move->stage, "b");
  EXPECT_EQ(move->from, "w1");
  EXPECT_EQ(move->to, "w2");
  EXPECT_NEAR(move->share_percent, 15, 0.01);
  EXPECT_EQ(move->to_percent, 5);
}

TEST(LoadBalance, TheLargestShareGoesFirstWhenItFitsAndDeviceBoundStagesStay) {
  Fleet f;
  std::string why;
  f.beat(0, 5000, 52);  // a 39, b 13; room under 40: w2 5 + 39 = 44 does not fit
  std::optional<LoadMove> move = f.balancer.decide("w1", f.nodes, "cloud", 5000, &why);
  ASSERT_TRUE(move) << why;
  EXPECT_EQ(move->stage, "b");

  LoadBalancer roomy({70, milliseconds(3000), milliseconds(60000), 10});  // room under 60
  for (int64_t t = 0; t <= 5000; t += 1000) {
    f.fuel_a += 3000;
    f.fuel_b += 1000;
    f.nodes = {node("cloud", 1), node("w1", 72, {stage("a", f.fuel_a), stage("b", f.fuel_b)}), node("w2", 5)};
    for (const NodeView& n : f.nodes) roomy.observe(n, t);
  }
  move = roomy.decide("w1", f.nodes, "cloud", 5000, &why);
  ASSERT_TRUE(move) << why;
  EXPECT_EQ(move->stage, "a") << "a's 54% share fits: 5 + 54 <= 70 - 10";
  EXPECT_EQ(move->to, "w2");

  Fleet bound;
  bound.beat(0, 5000, 52, {"sensor:soil-1"});
  move = bound.balancer.decide("w1", bound.nodes, "cloud", 5000, &why);
  ASSERT_TRUE(move) << why;
  EXPECT_EQ(move->stage, "b");
}

TEST(LoadBalance, AMovedStageCoolsDownAndTheWindowStartsAgain) {
  Fleet f;
  std::string why;
  f.beat(0, 5000, 60);
  std::optional<LoadMove> move = f.balancer.decide("w1", f.nodes, "cloud", 5000, &why);
  ASSERT_TRUE(move) << why;
  f.balancer.moved(move->stage, "w1", 5000);
  EXPECT_FALSE(f.balancer.sustained("w1", 5000)) << "a new window after a move";
  f.beat(6000, 10000, 60);  // still busy: a window later it is asked again
  ASSERT_TRUE(f.balancer.sustained("w1", 10000));
  EXPECT_FALSE(f.balancer.decide("w1", f.nodes, "cloud", 10000, &why)) << "b cools down, a fits nowhere";
  EXPECT_NE(why.find("b (moved less than the cooldown ago)"), std::string::npos) << why;
  f.beat(11000, 70000, 60);
  move = f.balancer.decide("w1", f.nodes, "cloud", 70000, &why);
  ASSERT_TRUE(move) << why << ": after the cooldown b may move again";
  EXPECT_EQ(move->stage, "b");
}

TEST(LoadBalance, ATargetNeedsRoomAndThePlacingNodeComesLast) {
  Fleet f;
  std::string why;
  f.beat(0, 5000, 60);  // b: 15%
  std::vector<NodeView> nodes = f.nodes;
  nodes[0].cpu_percent = 30;  // the cloud and w2: 30 + 15 > 40
  nodes[2].cpu_percent = 30;
  EXPECT_FALSE(f.balancer.decide("w1", nodes, "cloud", 5000, &why));
  EXPECT_NE(why.find("no online node has room"), std::string::npos) << why;
  EXPECT_NE(why.find("w2: busy (cpu 30%, above 25%)"), std::string::npos) << why;
  nodes[0].cpu_percent = 1;
  nodes[0].stages.clear();
  NodeView w3 = node("w3", 20);  // 20 + 15 fits, though the cloud is idler
  nodes.push_back(w3);
  std::optional<LoadMove> move = f.balancer.decide("w1", nodes, "cloud", 5000, &why);
  ASSERT_TRUE(move) << why;
  EXPECT_EQ(move->to, "w3");
  nodes.pop_back();
  nodes[2].state = "offline";
  nodes[2].cpu_percent = 0;
  move = f.balancer.decide("w1", nodes, "cloud", 5000, &why);
  ASSERT_TRUE(move) << why;
  EXPECT_EQ(move->to, "cloud") << "the placing node when no other has room";
}

TEST(LoadBalance, OffWithAZeroThreshold) {
  LoadBalancer off({0, milliseconds(0), milliseconds(0), 0});
  off.observe(node("w1", 100, {stage("a", 1)}), 0);
  off.observe(node("w1", 100, {stage("a", 2)}), 1000);
  EXPECT_FALSE(off.sustained("w1", 1000));
}

}  // namespace
}  // namespace continuum::node::agent
