// The devices as the host interface sees them (host/devices.h HostDevices):
// the names a stage uses ("soil.f0.probe0", "pump.f0", "krc2") are routed to
// the node's drivers; everything that is not a device (emit, clocks, random,
// log, audit) goes to the HostDevices the node agent already has for those.
#pragma once

#include <map>
#include <string>

#include "continuum/devices/device.h"
#include "continuum/host/devices.h"

namespace continuum::devices {

int32_t to_host_status(DeviceStatus status);

class DeviceHostDevices final : public host::HostDevices {
 public:
  explicit DeviceHostDevices(host::HostDevices& rest) : rest_(rest) {}

  // The devices must outlive this object.
  void add_sensor(const std::string& name, SensorSource& source, std::string channel);
  void add_actuator(const std::string& name, ActuatorSink& sink, std::string channel);
  void add_serial(const std::string& name, SerialPort& port);

  int32_t sensor_read(std::string_view name, double* value) override;
  int32_t actuator_set(std::string_view name, double value) override;
  int32_t serial_read(std::string_view name, uint8_t* buf, uint32_t cap) override;
  int32_t serial_write(std::string_view name, const uint8_t* data, uint32_t len) override;
  int32_t emit(std::string_view port, const uint8_t* payload, uint32_t len) override {
    return rest_.emit(port, payload, len);
  }
  int64_t monotonic_us() override { return rest_.monotonic_us(); }
  int64_t wall_ms() override { return rest_.wall_ms(); }
  void random_bytes(uint8_t* buf, uint32_t len) override { rest_.random_bytes(buf, len); }
  void log(int32_t level, std::string_view stage, std::string_view message) override {
    rest_.log(level, stage, message);
  }
  void refused(std::string_view stage, std::string_view import, std::string_view resource,
               int32_t status) override {
    rest_.refused(stage, import, resource, status);
  }

 private:
  template <typename Device>
  struct Route {
    Device* device;
    std::string channel;
  };
  host::HostDevices& rest_;
  std::map<std::string, Route<SensorSource>, std::less<>> sensors_;
  std::map<std::string, Route<ActuatorSink>, std::less<>> actuators_;
  std::map<std::string, SerialPort*, std::less<>> serial_;
};

}  // namespace continuum::devices
