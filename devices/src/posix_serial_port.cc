#include "continuum/devices/posix_serial_port.h"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "continuum/devices/serial_speed.h"

namespace continuum::devices {

std::unique_ptr<PosixSerialPort> PosixSerialPort::open(const SerialConfig& config, std::string* error) {
  speed_t speed;
  if (!baud_to_speed(config.baud, &speed)) {
    *error = "unsupported baud rate " + std::to_string(config.baud);
    return nullptr;
  }
  // O_NOCTTY: a serial line must never become the node's controlling
  // terminal; O_NONBLOCK: waiting is done with poll() and explicit timeouts.
  int fd = ::open(config.path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    *error = config.path + ": " + strerror(errno);
    return nullptr;
  }
  termios tio;
  if (tcgetattr(fd, &tio) != 0) {
    *error = config.path + ": not a serial port (" + strerror(errno) + ")";
    ::close(fd);
    return nullptr;
  }
  cfmakeraw(&tio);                       // binary: no echo, no CR/LF mapping, no signals
  tio.c_cflag &= ~(CSIZE | PARENB | CSTOPB | CRTSCTS);
  tio.c_cflag |= CS8 | CLOCAL | CREAD;   // 8N1, ignore modem lines
  tio.c_iflag &= ~(IXON | IXOFF | IXANY);
  tio.c_cc[VMIN] = 0;
  tio.c_cc[VTIME] = 0;
  cfsetispeed(&tio, speed);
  cfsetospeed(&tio, speed);
  if (tcsetattr(fd, TCSANOW, &tio) != 0) {
    *error = config.path + ": cannot configure (" + strerror(errno) + ")";
    ::close(fd);
    return nullptr;
  }
  return std::unique_ptr<PosixSerialPort>(new PosixSerialPort(fd, config));
}

PosixSerialPort::~PosixSerialPort() { ::close(fd_); }

void PosixSerialPort::flush_input() { tcflush(fd_, TCIFLUSH); }

int PosixSerialPort::read(uint8_t* buf, size_t cap, int timeout_ms) {
  pollfd pfd{fd_, POLLIN, 0};
  int ready = poll(&pfd, 1, timeout_ms);
  if (ready < 0) return errno == EINTR ? 0 : -1;
  if (ready == 0) return 0;
  if (pfd.revents & (POLLERR | POLLNVAL)) return -1;
  ssize_t n = ::read(fd_, buf, cap);
  if (n < 0) return errno == EAGAIN || errno == EINTR ? 0 : -1;
  return int(n);
}

int PosixSerialPort::write(const uint8_t* data, size_t len, int timeout_ms) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = ::write(fd_, data + done, len - done);
    if (n > 0) {
      done += size_t(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return -1;
    pollfd pfd{fd_, POLLOUT, 0};
    if (poll(&pfd, 1, timeout_ms) <= 0) break;  // the line stayed busy
  }
  return int(done);
}

}  // namespace continuum::devices
