// The node's view of its devices: named sensor channels it reads, named
// actuator channels it sets, and byte-stream serial ports. The node agent
// builds its HostDevices (host_adapter.h) from these; drivers (Modbus TCP,
// serial) and in-process simulations implement them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace continuum::devices {

enum class DeviceStatus : int8_t {
  Ok = 0,
  NotFound,   // no such channel on this device
  NoData,     // the channel has no reading yet
  Invalid,    // value out of range for the channel (NaN, ...)
  Io,         // the device failed or is unreachable
};

const char* status_text(DeviceStatus status);

class SensorSource {
 public:
  virtual ~SensorSource() = default;
  // The channel's current value in its engineering unit (e.g. % volumetric).
  virtual DeviceStatus read(std::string_view channel, double* value) = 0;
};

class ActuatorSink {
 public:
  virtual ~ActuatorSink() = default;
  // Sets the channel; for on/off actuators any non-zero value is "on".
  virtual DeviceStatus set(std::string_view channel, double value) = 0;
};

class SerialPort {
 public:
  virtual ~SerialPort() = default;
  // Reads up to cap bytes, waiting at most timeout_ms for the first (0: do
  // not wait). Returns the count (0 on timeout) or -1 on a device error.
  virtual int read(uint8_t* buf, size_t cap, int timeout_ms) = 0;
  // Writes all bytes unless the line stays busy for timeout_ms. Returns the
  // count written or -1 on a device error.
  virtual int write(const uint8_t* data, size_t len, int timeout_ms) = 0;
};

}  // namespace continuum::devices
