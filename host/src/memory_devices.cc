#include <stdio.h>

#include "continuum/host/abi.h"
#include "continuum/host/devices.h"

namespace continuum::host {

void MemoryDevices::push_serial_input(const std::string& name, const uint8_t* data, size_t len) {
  auto& q = serial_in_[name];
  q.insert(q.end(), data, data + len);
}

std::vector<DeviceEvent> MemoryDevices::take_events() {
  std::vector<DeviceEvent> out;
  out.swap(events_);
  return out;
}

int32_t MemoryDevices::sensor_read(std::string_view name, double* value) {
  auto it = sensors_.find(name);
  if (it == sensors_.end()) return kNOT_FOUND;
  *value = it->second;
  return kOK;
}

int32_t MemoryDevices::actuator_set(std::string_view name, double value) {
  auto it = actuators_.find(name);
  bool changed = it == actuators_.end() || it->second != value;
  actuators_[std::string(name)] = value;
  if (changed) {
    DeviceEvent e;
    e.kind = DeviceEvent::Kind::Actuator;
    e.time_us = now_us_;
    e.name = std::string(name);
    e.value = value;
    events_.push_back(std::move(e));
  }
  return kOK;
}

int32_t MemoryDevices::serial_read(std::string_view name, uint8_t* buf, uint32_t cap) {
  auto it = serial_in_.find(name);
  if (it == serial_in_.end()) return 0;
  uint32_t n = 0;
  while (n < cap && !it->second.empty()) {
    buf[n++] = it->second.front();
    it->second.pop_front();
  }
  return static_cast<int32_t>(n);
}

int32_t MemoryDevices::serial_write(std::string_view name, const uint8_t* data, uint32_t len) {
  if (len > serial_capacity_) return kWOULD_BLOCK;
  DeviceEvent e;
  e.kind = DeviceEvent::Kind::SerialWrite;
  e.time_us = now_us_;
  e.name = std::string(name);
  e.bytes.assign(data, data + len);
  events_.push_back(std::move(e));
  return static_cast<int32_t>(len);
}

int32_t MemoryDevices::emit(std::string_view port, const uint8_t* payload, uint32_t len) {
  DeviceEvent e;
  e.kind = DeviceEvent::Kind::Emit;
  e.time_us = now_us_;
  e.name = std::string(port);
  e.bytes.assign(payload, payload + len);
  events_.push_back(std::move(e));
  return kOK;
}

// xorshift64*: deterministic, so a replay gives the same output every time.
void MemoryDevices::random_bytes(uint8_t* buf, uint32_t len) {
  for (uint32_t i = 0; i < len; ++i) {
    random_state_ ^= random_state_ >> 12;
    random_state_ ^= random_state_ << 25;
    random_state_ ^= random_state_ >> 27;
    buf[i] = static_cast<uint8_t>((random_state_ * 0x2545F4914F6CDD1Dull) >> 56);
  }
}

void MemoryDevices::log(int32_t level, std::string_view stage, std::string_view message) {
  static const char* const kLevels[] = {"debug", "info", "warn", "error"};
  if (echo_logs_) {
    fprintf(stderr, "[%s] %.*s: %.*s\n", kLevels[level & 3], static_cast<int>(stage.size()),
            stage.data(), static_cast<int>(message.size()), message.data());
  }
  DeviceEvent e;
  e.kind = DeviceEvent::Kind::Log;
  e.time_us = now_us_;
  e.name = std::string(stage);
  e.bytes.assign(message.begin(), message.end());
  e.status = level;
  events_.push_back(std::move(e));
}

void MemoryDevices::refused(std::string_view /*stage*/, std::string_view import,
                            std::string_view resource, int32_t status) {
  DeviceEvent e;
  e.kind = DeviceEvent::Kind::Refused;
  e.time_us = now_us_;
  e.name = std::string(import);
  e.resource = std::string(resource);
  e.status = status;
  events_.push_back(std::move(e));
}

}  // namespace continuum::host
