#include "node_devices.h"

#include <algorithm>

namespace continuum::node::agent {

std::vector<std::string> device_grants_served(const std::vector<DeviceSettings>& settings) {
  std::vector<std::string> out;
  for (const DeviceSettings& d : settings) {
    if (d.kind == "serial") out.push_back("serial:" + d.name);
    for (const auto& [name, value] : d.sim_sensors) out.push_back("sensor:" + name);
    for (const auto& [name, sensor] : d.modbus_sensors) out.push_back("sensor:" + name);
    for (const std::string& name : d.sim_actuators) out.push_back("actuator:" + name);
    for (const auto& [name, coil] : d.coils) out.push_back("actuator:" + name);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

NodeDevices::NodeDevices(const std::vector<DeviceSettings>& settings) {
  for (const DeviceSettings& d : settings) {
    Named named;
    named.name = d.name;
    if (d.kind == "simulated") {
      auto sensors = std::make_unique<devices::SimulatedSensors>();
      auto actuators = std::make_unique<devices::SimulatedActuators>();
      for (const auto& [name, value] : d.sim_sensors) {
        sensors->set(name, value);
        named.sensor_names.push_back(name);
      }
      for (const std::string& name : d.sim_actuators) {
        actuators->add(name);
        named.actuator_names.push_back(name);
      }
      named.sensors = sensors.get();
      named.actuators = actuators.get();
      sim_sensors_.push_back(std::move(sensors));
      sim_actuators_.push_back(std::move(actuators));
    } else if (d.kind == "serial") {
      serial_settings_.push_back(&d);
      continue;
    } else {  // modbus-tcp (the config accepts nothing else)
      devices::ModbusTcpConfig mc;
      mc.host = d.host;
      mc.port = d.port;
      mc.unit_id = d.unit;
      mc.response_timeout_ms = static_cast<int>(d.timeout.count());
      for (const auto& [name, s] : d.modbus_sensors) {
        devices::ModbusRegister reg;
        reg.table = s.table == "holding" ? devices::ModbusRegister::Table::Holding
                                         : devices::ModbusRegister::Table::Input;
        reg.address = s.address;
        reg.scale = s.scale;
        reg.is_signed = s.is_signed;
        mc.sensors[name] = reg;
        named.sensor_names.push_back(name);
      }
      for (const auto& [name, address] : d.coils) {
        mc.coils[name] = address;
        named.actuator_names.push_back(name);
      }
      auto device = std::make_unique<devices::ModbusTcpDevice>(mc);
      named.sensors = device.get();
      named.actuators = device.get();
      modbus_.push_back(std::move(device));
    }
    named_.push_back(std::move(named));
  }
}

bool NodeDevices::open(std::string* error) {
  for (const DeviceSettings* d : serial_settings_) {
    devices::SerialConfig sc;
    sc.path = d->path;
    sc.baud = d->baud;
    std::string why;
    std::unique_ptr<devices::PosixSerialPort> port = devices::PosixSerialPort::open(sc, &why);
    if (!port) {
      *error = "device " + d->name + ": " + why;
      return false;
    }
    serial_.push_back(std::move(port));
  }
  return true;
}

void NodeDevices::attach(devices::DeviceHostDevices& routes) {
  for (std::size_t i = 0; i < serial_.size(); ++i) routes.add_serial(serial_settings_[i]->name, *serial_[i]);
  // A stage names channels directly ("soil-1"); the device is the node's business.
  for (Named& n : named_) {
    for (const std::string& s : n.sensor_names) routes.add_sensor(s, *n.sensors, s);
    for (const std::string& a : n.actuator_names) routes.add_actuator(a, *n.actuators, a);
  }
}

}  // namespace continuum::node::agent
