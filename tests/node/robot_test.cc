// The robot edge node as configured (examples/nodes/edge-robot.toml, reduced):
// krc2-decode reads the simulated controller's pseudo-terminal through a
// `kind = "serial"` device, its cycles reach collision-guard in-process
// (`inputs = { cycles = "decode.cycles" }`), and the guard's STOP on the same
// line halts the robot.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "continuum/node/agent/agent.h"
#include "continuum/sim/krc2_sim.h"
#include "support/node_toml.h"
#include "support/poll.h"
#include "support/server_process.h"

namespace continuum::node::agent {
namespace {

TEST(NodeAgentRobot, DecodeFeedsGuardInProcessAndTheRobotStops) {
  sim::Krc2Options options;
  options.baud = 9600;
  options.trajectory.period_s = 4;
  sim::Krc2Simulator robot(options);
  ASSERT_EQ(robot.open(), "");
  std::atomic<bool> cancel{false};
  std::thread sim_thread([&] { robot.run(cancel); });

  testing::TempDir dir;
  std::string text = "[node]\nid = \"edge-robot-1\"\ndata_dir = \"" + dir.path().string() + "\"\n" +
                     "[[devices]]\nname = \"krc2\"\nkind = \"serial\"\npath = \"" + robot.slave_path() +
                     "\"\nbaud = 9600\n" + R"(
[[stages]]
name = "decode"
module = ")" + KRC2_DECODE_WASM + R"("
grants = ["config", "serial:krc2", "emit:cycles", "emit:status"]
tick = "2ms"
[[stages]]
name = "guard"
module = ")" + COLLISION_GUARD_WASM + R"("
grants = ["config", "serial:krc2", "emit:readings"]
inputs = { cycles = "decode.cycles" }
)";
  std::string error;
  std::unique_ptr<Agent> agent = Agent::start(testing::parse_config(text, "edge-robot.toml"), &error);
  ASSERT_TRUE(agent) << error;
  testing::eventually([&] { return robot.stopped(); }, std::chrono::seconds(8));
  AgentStats s = agent->stats();
  agent->stop();
  cancel.store(true);
  sim_thread.join();

  ASSERT_EQ(s.stages.size(), 2u);
  EXPECT_GT(s.stages[0].emitted, 5u);              // decode: cycles (and status)
  EXPECT_GT(s.stages[1].delivered, 5u);            // guard got them in-process
  EXPECT_EQ(s.stages[1].handler_errors, 0u);       // and understood the envelopes
  EXPECT_EQ(s.stages[0].traps + s.stages[1].traps, 0u);
  ASSERT_TRUE(robot.stats().stopped) << "no STOP reached the robot";
  ASSERT_TRUE(robot.stats().reaction_ms.has_value());
  EXPECT_LT(*robot.stats().reaction_ms, 1000.0);
}

}  // namespace
}  // namespace continuum::node::agent
