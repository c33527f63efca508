// A serial port through the POSIX termios API: /dev/ttyUSB0, /dev/ttyAMA0 or
// a pseudo-terminal slave (/dev/pts/N, the robot simulator) are opened and
// configured identically -- raw mode, baud, 8 data bits, no parity, 1 stop
// bit, no flow control -- and read with poll() timeouts.
//
// Why not libserialport: its 0.1.1 release (Debian 12) resolves every port
// through /sys/class/tty and refuses pseudo-terminals ("No such file or
// directory" from sp_get_port_by_name), which would make the simulated line
// different from a real one.
#pragma once

#include <memory>
#include <string>

#include "continuum/devices/device.h"

namespace continuum::devices {

struct SerialConfig {
  std::string path;
  int baud = 9600;
  // 8N1 without flow control is what the KR C2 link and most field devices
  // use; other framings are not needed yet.
};

class PosixSerialPort final : public SerialPort {
 public:
  // nullptr and *error set when the path cannot be opened or configured.
  static std::unique_ptr<PosixSerialPort> open(const SerialConfig& config, std::string* error);
  ~PosixSerialPort() override;

  int read(uint8_t* buf, size_t cap, int timeout_ms) override;
  int write(const uint8_t* data, size_t len, int timeout_ms) override;
  // Discards bytes received but not read yet.
  void flush_input();
  const SerialConfig& config() const { return config_; }

 private:
  PosixSerialPort(int fd, const SerialConfig& config) : fd_(fd), config_(config) {}
  int fd_;
  SerialConfig config_;
};

}  // namespace continuum::devices
