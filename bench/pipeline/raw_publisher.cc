#include "raw_publisher.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

namespace {

void put_varint(std::string& out, uint32_t v) {
  do {
    uint8_t byte = v % 128;
    v /= 128;
    out.push_back(static_cast<char>(v ? byte | 0x80 : byte));
  } while (v);
}

void put_u16(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

void put_string(std::string& out, std::string_view s) {
  put_u16(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

bool write_all(int fd, const char* data, std::size_t len) {
  while (len > 0) {
    ssize_t n = ::send(fd, data, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    len -= std::size_t(n);
  }
  return true;
}

// Reads one packet: its first byte and its body. False at EOF or error.
bool read_packet(int fd, std::string& buffer, uint8_t* type, std::string* body) {
  auto fill = [&](std::size_t want) {
    char chunk[65536];
    while (buffer.size() < want) {
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buffer.append(chunk, std::size_t(n));
    }
    return true;
  };
  if (!fill(2)) return false;
  uint32_t length = 0, shift = 0;
  std::size_t i = 1;
  for (;; ++i) {
    if (!fill(i + 1)) return false;
    uint8_t b = uint8_t(buffer[i]);
    length |= uint32_t(b & 0x7f) << shift;
    shift += 7;
    if (!(b & 0x80)) break;
    if (shift > 21) return false;
  }
  std::size_t start = i + 1;
  if (!fill(start + length)) return false;
  *type = uint8_t(buffer[0]);
  body->assign(buffer, start, length);
  buffer.erase(0, start + length);
  return true;
}

// The Receive Maximum in a CONNACK's properties (absent: 65535).
uint32_t receive_maximum(const std::string& connack) {
  // flags, reason code, property length (a varint), properties
  std::size_t i = 2;
  uint32_t length = 0, shift = 0;
  while (i < connack.size()) {
    uint8_t b = uint8_t(connack[i++]);
    length |= uint32_t(b & 0x7f) << shift;
    shift += 7;
    if (!(b & 0x80)) break;
  }
  std::size_t end = std::min(connack.size(), i + length);
  auto u16 = [&](std::size_t at) { return (uint32_t(uint8_t(connack[at])) << 8) | uint8_t(connack[at + 1]); };
  while (i < end) {
    uint8_t id = uint8_t(connack[i++]);
    switch (id) {
      case 0x21: return i + 2 <= end ? u16(i) : 65535;  // Receive Maximum
      case 0x24: case 0x25: case 0x28: case 0x29: case 0x2A: i += 1; break;  // bytes
      case 0x13: case 0x22: i += 2; break;  // two-byte integers
      case 0x11: case 0x27: i += 4; break;  // four-byte integers
      case 0x12: case 0x15: case 0x1A: case 0x1C: case 0x1F:  // strings
        if (i + 2 > end) return 65535;
        i += 2 + u16(i);
        break;
      default: return 20;  // cannot skip what we do not know: stay well inside any limit
    }
  }
  return 65535;
}

}  // namespace

RawPublisher::~RawPublisher() { close(); }

bool RawPublisher::connect(int port, const std::string& client_id, std::string* error) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    *error = std::string("connect: ") + std::strerror(errno);
    return false;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::string body;
  put_string(body, "MQTT");
  body.push_back(5);     // protocol version
  body.push_back(0x02);  // clean start
  put_u16(body, 0);      // no keepalive: runs are short
  body.push_back(0);     // no properties
  put_string(body, client_id);
  std::string packet(1, char(0x10));
  put_varint(packet, uint32_t(body.size()));
  packet += body;
  if (!write_all(fd_, packet.data(), packet.size())) {
    *error = "cannot send CONNECT";
    return false;
  }
  std::string buffer, connack;
  uint8_t type = 0;
  if (!read_packet(fd_, buffer, &type, &connack) || (type >> 4) != 2 || connack.size() < 2 || connack[1] != 0) {
    *error = "no successful CONNACK";
    return false;
  }
  receive_maximum_ = std::max<uint32_t>(1, receive_maximum(connack));
  reader_ = std::thread([this] { read_acks(); });
  return true;
}

void RawPublisher::add(std::string_view topic, std::string_view payload) {
  std::size_t remaining = 2 + topic.size() + 2 + 1 + payload.size();
  pending_.push_back(char(0x32));  // PUBLISH, QoS 1
  put_varint(pending_, uint32_t(remaining));
  put_string(pending_, topic);
  put_u16(pending_, next_id_);
  next_id_ = next_id_ == 65535 ? 1 : next_id_ + 1;  // 0 is not a packet id
  pending_.push_back(0);  // no properties
  pending_.append(payload);
  ++pending_count_;
}

bool RawPublisher::flush() {
  if (pending_.empty()) return true;
  {
    // Room in the broker's window: everything in flight plus this burst.
    std::unique_lock lock(mutex_);
    bool room = acked_cv_.wait_for(lock, std::chrono::seconds(30), [&] {
      return failed_ || sent_ + pending_count_ - acked_ <= receive_maximum_;
    });
    if (!room || failed_) return false;
  }
  if (!write_all(fd_, pending_.data(), pending_.size())) return false;
  sent_ += pending_count_;
  pending_.clear();
  pending_count_ = 0;
  return true;
}

void RawPublisher::read_acks() {
  std::string buffer, body;
  uint8_t type = 0;
  while (read_packet(fd_, buffer, &type, &body)) {
    if ((type >> 4) != 4) continue;  // only PUBACKs matter
    std::lock_guard lock(mutex_);
    ++acked_;
    acked_cv_.notify_all();
  }
  std::lock_guard lock(mutex_);
  failed_ = true;
  acked_cv_.notify_all();
}

uint64_t RawPublisher::acked() {
  std::lock_guard lock(mutex_);
  return acked_;
}

bool RawPublisher::wait_acked(int timeout_ms) {
  std::unique_lock lock(mutex_);
  return acked_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return acked_ >= sent_; });
}

void RawPublisher::close() {
  if (fd_ < 0) return;
  const char disconnect[2] = {char(0xE0), 0};
  write_all(fd_, disconnect, sizeof disconnect);
  ::shutdown(fd_, SHUT_RDWR);
  if (reader_.joinable()) reader_.join();
  ::close(fd_);
  fd_ = -1;
}
