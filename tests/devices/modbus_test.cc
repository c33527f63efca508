// The Modbus TCP driver against the soil simulator's libmodbus server on a
// free loopback port: registers read with their scaling, coils switch pumps,
// and the pump's water shows in the field.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <thread>

#include "continuum/devices/host_adapter.h"
#include "continuum/devices/modbus_tcp_device.h"
#include "continuum/host/abi.h"
#include "continuum/sim/soil_modbus_server.h"
#include "continuum/sim/soil_registers.h"

namespace continuum {
namespace {

namespace reg = sim::soil_registers;

// The gateway on its own thread; every loop advances simulated time by
// `step_s`, so the field changes between reads.
class RunningGateway {
 public:
  RunningGateway(const sim::SoilSimConfig& config, double step_s)
      : soil_(config), server_(soil_), step_s_(step_s) {
    error_ = server_.listen("127.0.0.1", 0);
    if (error_.empty()) thread_ = std::thread([this] {
        while (!cancel_.load()) {
          server_.serve(5);
          soil_.advance(step_s_);
        }
      });
  }
  ~RunningGateway() {
    cancel_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return server_.port(); }
  const std::string& error() const { return error_; }

 private:
  sim::SoilSimulator soil_;
  sim::SoilModbusServer server_;
  double step_s_;
  std::atomic<bool> cancel_{false};
  std::thread thread_;
  std::string error_;
};

sim::SoilSimConfig exact_probes() {
  sim::SoilSimConfig config;
  config.fields = 2;
  config.sensors_per_field = 2;
  config.faults.noise_sd_pct = 0;
  config.faults.spike_probability = 0;
  config.faults.stuck_per_day = 0;
  config.rain.events_per_day = 0;
  config.start_hour = 0;  // night: little ET while the test runs
  return config;
}

devices::ModbusTcpConfig client_for(int port) {
  devices::ModbusTcpConfig c;
  c.port = port;
  using R = devices::ModbusRegister;
  c.sensors["f0.probe0"] = R{R::Table::Input, reg::kProbe0, 0.1};
  c.sensors["f0.probe1"] = R{R::Table::Input, reg::kProbe0 + 1, 0.1};
  c.sensors["f0.true"] = R{R::Table::Input, reg::kTrueMoisture, 0.1};
  c.sensors["f0.flow"] = R{R::Table::Input, reg::kPumpFlow, 0.1};
  c.sensors["f1.true"] = R{R::Table::Input, reg::kFieldStride + reg::kTrueMoisture, 0.1};
  c.coils["pump.f0"] = 0;
  c.coils["pump.f1"] = 1;
  return c;
}

TEST(ModbusTcp, ReadsProbesAndSwitchesAPump) {
  RunningGateway gateway(exact_probes(), 10.0);  // ten simulated seconds per loop
  ASSERT_EQ(gateway.error(), "");
  ASSERT_GT(gateway.port(), 0);
  devices::ModbusTcpDevice device(client_for(gateway.port()));

  double probe = 0, truth = 0;
  ASSERT_EQ(device.read("f0.probe0", &probe), devices::DeviceStatus::Ok) << device.last_error();
  ASSERT_EQ(device.read("f0.true", &truth), devices::DeviceStatus::Ok);
  EXPECT_GT(truth, 20.0);  // starts near 26 % volumetric
  EXPECT_LT(truth, 30.0);
  EXPECT_NEAR(probe, truth, 0.15);  // noise-free probe, 0.1 % resolution, a little time apart

  uint16_t globals[6];
  ASSERT_EQ(device.read_input_registers(reg::kTimeHigh, 6, globals), devices::DeviceStatus::Ok);
  EXPECT_EQ(globals[reg::kFieldCount - reg::kTimeHigh], 2);
  EXPECT_EQ(globals[reg::kProbesPerField - reg::kTimeHigh], 2);

  double flow = -1;
  ASSERT_EQ(device.read("f0.flow", &flow), devices::DeviceStatus::Ok);
  EXPECT_EQ(flow, 0.0);
  ASSERT_EQ(device.set("pump.f0", 1), devices::DeviceStatus::Ok) << device.last_error();
  uint8_t coils[2] = {9, 9};
  ASSERT_EQ(device.read_coils(0, 2, coils), devices::DeviceStatus::Ok);
  EXPECT_EQ(coils[0], 1);
  EXPECT_EQ(coils[1], 0);
  ASSERT_EQ(device.read("f0.flow", &flow), devices::DeviceStatus::Ok);
  EXPECT_NEAR(flow, 20.0, 1e-9);  // the simulator's pump runs at 20 L/min

  // Watered field 0 gains on unwatered field 1 as simulated time passes.
  double f0_start = 0, f1_start = 0, f0_end = 0, f1_end = 0;
  device.read("f0.true", &f0_start);
  device.read("f1.true", &f1_start);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  device.read("f0.true", &f0_end);
  device.read("f1.true", &f1_end);
  EXPECT_GT(f0_end - f0_start, 0.2);
  EXPECT_LE(f1_end, f1_start);

  ASSERT_EQ(device.set("pump.f0", 0), devices::DeviceStatus::Ok);
  ASSERT_EQ(device.read("f0.flow", &flow), devices::DeviceStatus::Ok);
  EXPECT_EQ(flow, 0.0);
}

TEST(ModbusTcp, UnknownChannelsAndUnreachableGateways) {
  RunningGateway gateway(exact_probes(), 0);
  ASSERT_EQ(gateway.error(), "");
  devices::ModbusTcpDevice device(client_for(gateway.port()));
  double v;
  EXPECT_EQ(device.read("nope", &v), devices::DeviceStatus::NotFound);
  EXPECT_EQ(device.set("nope", 1), devices::DeviceStatus::NotFound);
  EXPECT_EQ(device.set("pump.f0", NAN), devices::DeviceStatus::Invalid);

  // Nothing listens on a port we just held and released.
  int closed_port;
  {
    sim::SoilSimulator soil(exact_probes());
    sim::SoilModbusServer probe_server(soil);
    ASSERT_EQ(probe_server.listen("127.0.0.1", 0), "");
    closed_port = probe_server.port();
  }
  devices::ModbusTcpDevice offline(client_for(closed_port));
  EXPECT_EQ(offline.read("f0.true", &v), devices::DeviceStatus::Io);
  EXPECT_NE(offline.last_error(), "");
}

TEST(ModbusTcp, ReconnectsAfterTheGatewayRestarts) {
  auto config = exact_probes();
  int port;
  double v;
  std::unique_ptr<devices::ModbusTcpDevice> device;
  {
    RunningGateway first(config, 0);
    ASSERT_EQ(first.error(), "");
    port = first.port();
    device = std::make_unique<devices::ModbusTcpDevice>(client_for(port));
    ASSERT_EQ(device->read("f0.true", &v), devices::DeviceStatus::Ok);
  }
  EXPECT_EQ(device->read("f0.true", &v), devices::DeviceStatus::Io);
  sim::SoilSimulator soil(config);
  sim::SoilModbusServer second(soil);
  ASSERT_EQ(second.listen("127.0.0.1", port), "");
  std::atomic<bool> cancel{false};
  std::thread serve([&] {
    while (!cancel.load()) second.serve(5);
  });
  EXPECT_EQ(device->read("f0.true", &v), devices::DeviceStatus::Ok) << device->last_error();
  cancel.store(true);
  serve.join();
}

TEST(ModbusTcp, StagesSeeTheGatewayThroughTheHostInterface) {
  RunningGateway gateway(exact_probes(), 0);
  ASSERT_EQ(gateway.error(), "");
  devices::ModbusTcpDevice device(client_for(gateway.port()));
  host::MemoryDevices rest;
  devices::DeviceHostDevices node(rest);
  node.add_sensor("soil.f0.probe0", device, "f0.probe0");
  node.add_actuator("pump.f1", device, "pump.f1");
  double v = 0;
  EXPECT_EQ(node.sensor_read("soil.f0.probe0", &v), host::kOK);
  EXPECT_GT(v, 20.0);
  EXPECT_EQ(node.actuator_set("pump.f1", 1), host::kOK);
  uint8_t coils[2];
  ASSERT_EQ(device.read_coils(0, 2, coils), devices::DeviceStatus::Ok);
  EXPECT_EQ(coils[1], 1);
  EXPECT_EQ(node.sensor_read("soil.f9.probe0", &v), host::kNOT_FOUND);
}

}  // namespace
}  // namespace continuum
