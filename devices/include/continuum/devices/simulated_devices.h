// In-process devices for unit tests and for running a node without hardware:
// sensor values set by the test (or computed by a function of time), an
// actuator that records what it was told, and a connected pair of serial
// ports (bytes written to one end are read at the other).
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "continuum/devices/device.h"

namespace continuum::devices {

class SimulatedSensors final : public SensorSource {
 public:
  void set(const std::string& channel, double value) { values_[channel] = value; }
  // The channel's value is computed on every read (e.g. from a model).
  void set_function(const std::string& channel, std::function<double()> fn) { functions_[channel] = std::move(fn); }
  void fail(const std::string& channel) { failing_[channel] = true; }
  DeviceStatus read(std::string_view channel, double* value) override;

 private:
  std::map<std::string, double, std::less<>> values_;
  std::map<std::string, std::function<double()>, std::less<>> functions_;
  std::map<std::string, bool, std::less<>> failing_;
};

class SimulatedActuators final : public ActuatorSink {
 public:
  // Channels must be declared; anything else is NotFound like on real hardware.
  void add(const std::string& channel) { values_[channel] = 0; }
  DeviceStatus set(std::string_view channel, double value) override;
  double value(std::string_view channel) const;
  const std::vector<std::pair<std::string, double>>& history() const { return history_; }

 private:
  std::map<std::string, double, std::less<>> values_;
  std::vector<std::pair<std::string, double>> history_;
};

// Two ends of one line. Thread-safe, so a test can play the far device on
// another thread.
class SimulatedSerialLine {
 public:
  SimulatedSerialLine();
  SerialPort& a() { return *a_; }
  SerialPort& b() { return *b_; }

 private:
  struct Shared;
  class End;
  std::shared_ptr<Shared> shared_;
  std::unique_ptr<SerialPort> a_, b_;
};

}  // namespace continuum::devices
