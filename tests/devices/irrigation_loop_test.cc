// The soil use case's closed loop: the irrigation-control wasm module as a
// stage whose sensors and pump are channels of a ModbusTcpDevice talking to
// the soil simulator's Modbus TCP gateway. The module must switch the pump on
// for a dry field, off once it is wet, and the field must stay in the band.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "continuum/devices/host_adapter.h"
#include "continuum/devices/modbus_tcp_device.h"
#include "continuum/host/stage_runtime.h"
#include "continuum/sim/soil_modbus_server.h"
#include "continuum/sim/soil_registers.h"

namespace continuum {
namespace {

#if defined(IRRIGATION_CONTROL_WASM)

namespace reg = sim::soil_registers;

TEST(IrrigationLoop, WasmControllerHoldsASimulatedFieldInItsBand) {
  sim::SoilSimConfig config;
  config.fields = 1;
  config.sensors_per_field = 2;
  config.soil.initial_moisture = 0.20;  // dry: below the band
  config.faults.stuck_per_day = 0;      // noise and spikes stay on
  config.rain.events_per_day = 0;
  config.seed = 21;
  sim::SoilSimulator soil(config);
  sim::SoilModbusServer server(soil);
  ASSERT_EQ(server.listen("127.0.0.1", 0), "");
  // Simulated time moves only with requests (60 s each), so the run does not
  // depend on how fast this machine is.
  constexpr double kSecondsPerRequest = 60;
  std::atomic<bool> cancel{false};
  std::thread gateway([&] {
    uint64_t seen = 0;
    while (!cancel.load()) {
      server.serve(5);
      soil.advance(double(server.requests() - seen) * kSecondsPerRequest);
      seen = server.requests();
    }
  });

  devices::ModbusTcpConfig mc;
  mc.port = server.port();
  using R = devices::ModbusRegister;
  mc.sensors["a"] = R{R::Table::Input, reg::kProbe0, 0.1};
  mc.sensors["b"] = R{R::Table::Input, reg::kProbe0 + 1, 0.1};
  mc.coils["pump"] = 0;
  devices::ModbusTcpDevice field(mc);
  host::MemoryDevices rest;
  devices::DeviceHostDevices node(rest);
  node.add_sensor("soil-f0-a", field, "a");
  node.add_sensor("soil-f0-b", field, "b");
  node.add_actuator("pump-f0", field, "pump");

  host::StageConfig stage;
  stage.name = "irrigation-control";
  std::string error;
  ASSERT_TRUE(host::GrantSet::parse({"sensor:*", "actuator:*", "emit:*", "config"}, &stage.grants, &error));
  stage.config = {{"sensors", "soil-f0-a,soil-f0-b"}, {"pump", "pump-f0"}, {"low", "25"},
                  {"high", "30"}, {"max_run_s", "86400"}, {"rest_s", "0"}};
  auto control = host::StageRuntime::load(IRRIGATION_CONTROL_WASM, stage, node, host::RuntimeLimits{}, &error);
  ASSERT_TRUE(control) << error;
  ASSERT_TRUE(control->init().ok());

  // Three simulated days, one tick per simulated ~3 minutes (three requests).
  devices::ModbusTcpDevice observer(mc);  // reads the ground truth, as an evaluation would
  bool was_on = false;
  int switched_on = 0, switched_off = 0;
  double reached_band_at = -1, low = 100, high = 0;
  double sim_time_s = 0;  // from the gateway's clock registers: the simulator is the gateway thread's
  for (int tick = 0; sim_time_s < 3 * 86400 && tick < 10000; ++tick) {
    int64_t now_us = int64_t(tick) * 180 * 1000000;
    rest.set_time_us(now_us);
    ASSERT_TRUE(control->tick(now_us).ok());
    rest.take_events();
    uint16_t truth_and_flow[2];
    ASSERT_EQ(observer.read_input_registers(reg::kTrueMoisture, 2, truth_and_flow), devices::DeviceStatus::Ok);
    uint16_t clock[2];
    ASSERT_EQ(observer.read_input_registers(reg::kTimeHigh, 2, clock), devices::DeviceStatus::Ok);
    sim_time_s = double(uint32_t(clock[0]) << 16 | clock[1]);
    double moisture = truth_and_flow[0] / 10.0;
    bool on = truth_and_flow[1] != 0;
    switched_on += on && !was_on;
    switched_off += !on && was_on;
    was_on = on;
    if (reached_band_at < 0 && moisture >= 25) reached_band_at = sim_time_s;
    if (reached_band_at >= 0) {
      low = std::min(low, moisture);
      high = std::max(high, moisture);
    }
  }
  cancel.store(true);
  gateway.join();
  printf("irrigation loop: %.1f simulated days, pump on %d / off %d times, band reached after %.0f s, "
         "then %.1f..%.1f %% vol\n", soil.time_s() / 86400, switched_on, switched_off, reached_band_at, low, high);

  EXPECT_GE(switched_on, 1);
  EXPECT_GE(switched_off, 1);
  ASSERT_GE(reached_band_at, 0) << "the field never got wet";
  EXPECT_LT(reached_band_at, 6 * 3600.0);  // 5 % vol at 3.6 % per pump hour
  // Held in the band, give or take probe noise and one tick of pumping.
  EXPECT_GE(low, 24.0);
  EXPECT_LE(high, 31.5);
}

#else

TEST(IrrigationLoop, WasmControllerHoldsASimulatedFieldInItsBand) {
  GTEST_SKIP() << "the wasm build of irrigation-control is not available (no wasm toolchain)";
}

#endif

}  // namespace
}  // namespace continuum
