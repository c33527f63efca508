// The node's side of a stage: the devices, ports, clocks and log the host
// functions act on. The node agent implements HostDevices over real hardware
// and MQTT; MemoryDevices is the in-memory implementation that replay and
// the tests use.
#pragma once

#include <stdint.h>

#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace continuum::host {

class HostDevices {
 public:
  virtual ~HostDevices() = default;
  // Each returns a CTM status code (abi.h Status), or a count where noted.
  virtual int32_t sensor_read(std::string_view name, double* value) = 0;
  virtual int32_t actuator_set(std::string_view name, double value) = 0;
  virtual int32_t serial_read(std::string_view name, uint8_t* buf, uint32_t cap) = 0;  // count
  virtual int32_t serial_write(std::string_view name, const uint8_t* data, uint32_t len) = 0;
  virtual int32_t emit(std::string_view port, const uint8_t* payload, uint32_t len) = 0;
  virtual int64_t monotonic_us() = 0;
  virtual int64_t wall_ms() = 0;
  virtual void random_bytes(uint8_t* buf, uint32_t len) = 0;
  // level: 0 debug .. 3 error.
  virtual void log(int32_t level, std::string_view stage, std::string_view message) = 0;
  // A host call the stage was refused (not granted, bad pointer, unsafe):
  // for the node's audit trail. Already logged and counted by the host.
  virtual void refused(std::string_view /*stage*/, std::string_view /*import*/,
                       std::string_view /*resource*/, int32_t /*status*/) {}
};

// Everything a stage did that is visible outside it, in order.
struct DeviceEvent {
  enum class Kind : uint8_t { Emit, Actuator, SerialWrite, Refused, Log };
  Kind kind = Kind::Emit;
  int64_t time_us = 0;
  std::string name;             // port, actuator, serial port, import (Refused), stage (Log)
  std::string resource;         // Refused: the resource asked for
  std::vector<uint8_t> bytes;   // Emit payload, serial bytes, log text
  double value = 0;             // Actuator value
  int32_t status = 0;           // Refused: the code returned; Log: the level
};

class MemoryDevices final : public HostDevices {
 public:
  // Test/replay controls.
  void set_time_us(int64_t now_us) { now_us_ = now_us; }
  void set_wall_offset_ms(int64_t ms) { wall_offset_ms_ = ms; }
  void set_sensor(const std::string& name, double value) { sensors_[name] = value; }
  void push_serial_input(const std::string& name, const uint8_t* data, size_t len);
  // Serial ports that accept at most this many bytes per write (WOULD_BLOCK above).
  void set_serial_capacity(uint32_t bytes) { serial_capacity_ = bytes; }
  void set_echo_logs(bool on) { echo_logs_ = on; }

  // Actuator values as last set (absent: never set).
  const std::map<std::string, double, std::less<>>& actuators() const { return actuators_; }
  const std::vector<DeviceEvent>& events() const { return events_; }
  std::vector<DeviceEvent> take_events();

  int32_t sensor_read(std::string_view name, double* value) override;
  int32_t actuator_set(std::string_view name, double value) override;
  int32_t serial_read(std::string_view name, uint8_t* buf, uint32_t cap) override;
  int32_t serial_write(std::string_view name, const uint8_t* data, uint32_t len) override;
  int32_t emit(std::string_view port, const uint8_t* payload, uint32_t len) override;
  int64_t monotonic_us() override { return now_us_; }
  int64_t wall_ms() override { return wall_offset_ms_ + now_us_ / 1000; }
  void random_bytes(uint8_t* buf, uint32_t len) override;
  void log(int32_t level, std::string_view stage, std::string_view message) override;
  void refused(std::string_view stage, std::string_view import, std::string_view resource,
               int32_t status) override;

 private:
  int64_t now_us_ = 0;
  int64_t wall_offset_ms_ = 0;
  uint64_t random_state_ = 0x9E3779B97F4A7C15ull;  // fixed seed: replays are reproducible
  uint32_t serial_capacity_ = 4096;
  bool echo_logs_ = false;
  std::map<std::string, double, std::less<>> sensors_;
  std::map<std::string, double, std::less<>> actuators_;
  std::map<std::string, std::deque<uint8_t>, std::less<>> serial_in_;
  std::vector<DeviceEvent> events_;
};

}  // namespace continuum::host
