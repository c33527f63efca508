// Routing of host calls to devices, and the in-process simulated devices.
#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "continuum/devices/host_adapter.h"
#include "continuum/devices/simulated_devices.h"
#include "continuum/host/abi.h"

namespace continuum::devices {
namespace {

TEST(DeviceHostDevices, RoutesDevicesAndForwardsTheRest) {
  host::MemoryDevices rest;
  SimulatedSensors sensors;
  SimulatedActuators actuators;
  SimulatedSerialLine line;
  sensors.set("m0", 23.5);
  int calls = 0;
  sensors.set_function("ramp", [&] { return double(++calls); });
  sensors.fail("broken");
  actuators.add("coil0");
  DeviceHostDevices node(rest);
  node.add_sensor("soil.f0", sensors, "m0");
  node.add_sensor("ramp", sensors, "ramp");
  node.add_sensor("broken", sensors, "broken");
  node.add_sensor("unwired", sensors, "absent");
  node.add_actuator("pump.f0", actuators, "coil0");
  node.add_serial("krc2", line.a());

  double v = 0;
  EXPECT_EQ(node.sensor_read("soil.f0", &v), host::kOK);
  EXPECT_EQ(v, 23.5);
  EXPECT_EQ(node.sensor_read("ramp", &v), host::kOK);
  EXPECT_EQ(node.sensor_read("ramp", &v), host::kOK);
  EXPECT_EQ(v, 2.0);
  EXPECT_EQ(node.sensor_read("broken", &v), host::kIO);
  EXPECT_EQ(node.sensor_read("unwired", &v), host::kNOT_FOUND);
  EXPECT_EQ(node.sensor_read("nothing", &v), host::kNOT_FOUND);

  EXPECT_EQ(node.actuator_set("pump.f0", 1), host::kOK);
  EXPECT_EQ(node.actuator_set("pump.f0", NAN), host::kINVALID);
  EXPECT_EQ(actuators.value("coil0"), 1.0);
  ASSERT_EQ(actuators.history().size(), 1u);

  // Serial: what the far end writes, the stage reads, without waiting.
  uint8_t buf[16];
  EXPECT_EQ(node.serial_read("krc2", buf, sizeof buf), 0);
  const uint8_t frame[3] = {1, 2, 3};
  line.b().write(frame, 3, 0);
  EXPECT_EQ(node.serial_read("krc2", buf, sizeof buf), 3);
  EXPECT_EQ(buf[2], 3);
  const uint8_t stop[] = {'S', 'T', 'O', 'P', '\r', '\n'};
  EXPECT_EQ(node.serial_write("krc2", stop, 6), 6);
  EXPECT_EQ(line.b().read(buf, sizeof buf, 100), 6);
  EXPECT_EQ(node.serial_read("nowhere", buf, sizeof buf), host::kNOT_FOUND);

  // Not devices: the node's own HostDevices gets them.
  rest.set_time_us(1234);
  EXPECT_EQ(node.monotonic_us(), 1234);
  const uint8_t payload[] = {'{', '}'};
  node.emit("out", payload, 2);
  ASSERT_EQ(rest.events().size(), 1u);
  EXPECT_EQ(rest.events()[0].name, "out");
}

TEST(SimulatedSerialLine, CarriesBytesBetweenThreads) {
  SimulatedSerialLine line;
  std::thread far([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const uint8_t hello[] = {'h', 'i'};
    line.b().write(hello, 2, 0);
  });
  uint8_t buf[4];
  EXPECT_EQ(line.a().read(buf, sizeof buf, 1000), 2);  // waits for the far end
  EXPECT_EQ(line.a().read(buf, sizeof buf, 10), 0);    // then times out empty
  far.join();
}

}  // namespace
}  // namespace continuum::devices
