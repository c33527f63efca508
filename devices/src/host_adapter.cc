#include "continuum/devices/host_adapter.h"

#include "continuum/host/abi.h"

namespace continuum::devices {

// Host calls must not stall the stage: serial reads take what has arrived,
// writes wait at most this long for the line (a few frames at 9600 baud).
static constexpr int kSerialWriteTimeoutMs = 20;

int32_t to_host_status(DeviceStatus status) {
  switch (status) {
    case DeviceStatus::Ok: return host::kOK;
    case DeviceStatus::NotFound: return host::kNOT_FOUND;
    case DeviceStatus::NoData: return host::kNOT_FOUND;
    case DeviceStatus::Invalid: return host::kINVALID;
    case DeviceStatus::Io: return host::kIO;
  }
  return host::kIO;
}

void DeviceHostDevices::add_sensor(const std::string& name, SensorSource& source, std::string channel) {
  sensors_[name] = {&source, std::move(channel)};
}

void DeviceHostDevices::add_actuator(const std::string& name, ActuatorSink& sink, std::string channel) {
  actuators_[name] = {&sink, std::move(channel)};
}

void DeviceHostDevices::add_serial(const std::string& name, SerialPort& port) { serial_[name] = &port; }

int32_t DeviceHostDevices::sensor_read(std::string_view name, double* value) {
  auto it = sensors_.find(name);
  if (it == sensors_.end()) return host::kNOT_FOUND;
  return to_host_status(it->second.device->read(it->second.channel, value));
}

int32_t DeviceHostDevices::actuator_set(std::string_view name, double value) {
  auto it = actuators_.find(name);
  if (it == actuators_.end()) return host::kNOT_FOUND;
  return to_host_status(it->second.device->set(it->second.channel, value));
}

int32_t DeviceHostDevices::serial_read(std::string_view name, uint8_t* buf, uint32_t cap) {
  auto it = serial_.find(name);
  if (it == serial_.end()) return host::kNOT_FOUND;
  int n = it->second->read(buf, cap, 0);
  return n < 0 ? host::kIO : n;
}

int32_t DeviceHostDevices::serial_write(std::string_view name, const uint8_t* data, uint32_t len) {
  auto it = serial_.find(name);
  if (it == serial_.end()) return host::kNOT_FOUND;
  int n = it->second->write(data, len, kSerialWriteTimeoutMs);
  if (n < 0) return host::kIO;
  if (n == 0 && len > 0) return host::kWOULD_BLOCK;
  return n;
}

}  // namespace continuum::devices
