// The edge pipeline of the retrofit use case, end to end on a real pty: the
// krc2-decode and collision-guard wasm modules run as stages whose serial
// port "krc2" is the simulated controller's line, opened by PosixSerialPort
// and routed by DeviceHostDevices. The guard's STOP must halt the robot, and
// the simulator measures the reaction time.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "continuum/devices/host_adapter.h"
#include "continuum/devices/posix_serial_port.h"
#include "continuum/host/stage_runtime.h"
#include "continuum/sim/krc2_sim.h"

namespace continuum {
namespace {

using Clock = std::chrono::steady_clock;

#if defined(KRC2_DECODE_WASM) && defined(COLLISION_GUARD_WASM)

std::unique_ptr<host::StageRuntime> load_stage(const char* path, const char* name,
                                               const std::vector<std::string>& grants,
                                               host::HostDevices& devices) {
  host::StageConfig config;
  config.name = name;
  std::string error;
  EXPECT_TRUE(host::GrantSet::parse(grants, &config.grants, &error)) << error;
  auto stage = host::StageRuntime::load(path, config, devices, host::RuntimeLimits{}, &error);
  EXPECT_TRUE(stage) << path << ": " << error;
  if (stage) EXPECT_TRUE(stage->init().ok());
  return stage;
}

TEST(EdgePipeline, WasmDecodeAndGuardStopTheSimulatedRobot) {
  sim::Krc2Options options;
  options.baud = 9600;
  options.trajectory.period_s = 4;
  sim::Krc2Simulator robot(options);
  ASSERT_EQ(robot.open(), "");
  std::atomic<bool> cancel{false};
  std::thread sim_thread([&] { robot.run(cancel); });

  std::string error;
  auto port = devices::PosixSerialPort::open({robot.slave_path(), options.baud}, &error);
  ASSERT_TRUE(port) << error;
  host::MemoryDevices decode_rest, guard_rest;  // emits, clocks and logs of each stage
  devices::DeviceHostDevices decode_devices(decode_rest), guard_devices(guard_rest);
  decode_devices.add_serial("krc2", *port);
  guard_devices.add_serial("krc2", *port);
  auto decode = load_stage(KRC2_DECODE_WASM, "krc2-decode", {"serial:krc2", "emit:*", "config"}, decode_devices);
  auto guard = load_stage(COLLISION_GUARD_WASM, "collision-guard", {"serial:krc2", "emit:*", "config"}, guard_devices);
  ASSERT_TRUE(decode && guard);

  // The node's loop, reduced: tick the decoder, hand its cycles to the guard.
  int cycles = 0;
  bool guard_said_stop = false;
  auto start = Clock::now();
  while (!robot.stopped() && Clock::now() - start < std::chrono::seconds(6)) {
    int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
    decode_rest.set_time_us(now_us);
    guard_rest.set_time_us(now_us);
    ASSERT_TRUE(decode->tick(now_us).ok());
    for (const host::DeviceEvent& e : decode_rest.take_events()) {
      if (e.kind != host::DeviceEvent::Kind::Emit || e.name != "cycles") continue;
      ++cycles;
      ASSERT_TRUE(guard->deliver("cycles", e.bytes.data(), uint32_t(e.bytes.size())).ok());
    }
    for (const host::DeviceEvent& e : guard_rest.take_events()) {
      std::string text(e.bytes.begin(), e.bytes.end());
      if (e.kind == host::DeviceEvent::Kind::Emit && text.find("\"stop\":true") != std::string::npos)
        guard_said_stop = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  cancel.store(true);
  sim_thread.join();

  EXPECT_GT(cycles, 5);
  EXPECT_TRUE(guard_said_stop);
  const sim::Krc2Stats& stats = robot.stats();
  ASSERT_TRUE(stats.stopped);
  ASSERT_TRUE(stats.reaction_ms.has_value()) << "STOP arrived while the tip was outside the safety distance";
  EXPECT_GE(*stats.reaction_ms, 0.0);
  EXPECT_LT(*stats.reaction_ms, 1000.0);
  RecordProperty("reaction_ms", std::to_string(*stats.reaction_ms));
  printf("edge pipeline (wasm decode + guard, 9600 baud): reaction %.3f ms after %d cycles\n",
         *stats.reaction_ms, cycles);
}

#else

TEST(EdgePipeline, WasmDecodeAndGuardStopTheSimulatedRobot) {
  GTEST_SKIP() << "the wasm builds of krc2-decode and collision-guard are not available (no wasm toolchain)";
}

#endif

}  // namespace
}  // namespace continuum
