// The devices a node's config declares ([[devices]]), built once and shared by
// every stage on the node (grants decide which stage may touch which name).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "continuum/devices/host_adapter.h"
#include "continuum/devices/modbus_tcp_device.h"
#include "continuum/devices/posix_serial_port.h"
#include "continuum/devices/simulated_devices.h"
#include "continuum/node/agent/config.h"

namespace continuum::node::agent {

// What the declared devices serve, as the grants that name them
// ("sensor:soil-1", "actuator:valve", "serial:rs485"), sorted: the heartbeat's
// "devices", which placement matches stage grants against.
std::vector<std::string> device_grants_served(const std::vector<DeviceSettings>& settings);

class NodeDevices {
 public:
  explicit NodeDevices(const std::vector<DeviceSettings>& settings);
  // Opens the serial ports; false and *error when one cannot be opened.
  bool open(std::string* error);
  // Routes every declared sensor and actuator name to its device.
  void attach(devices::DeviceHostDevices& routes);

 private:
  struct Named {
    std::string name;
    devices::SensorSource* sensors = nullptr;
    devices::ActuatorSink* actuators = nullptr;
    std::vector<std::string> sensor_names, actuator_names;
  };
  std::vector<std::unique_ptr<devices::SimulatedSensors>> sim_sensors_;
  std::vector<std::unique_ptr<devices::SimulatedActuators>> sim_actuators_;
  std::vector<std::unique_ptr<devices::ModbusTcpDevice>> modbus_;
  std::vector<Named> named_;
  std::vector<const DeviceSettings*> serial_settings_;
  std::vector<std::unique_ptr<devices::PosixSerialPort>> serial_;
};

}  // namespace continuum::node::agent
