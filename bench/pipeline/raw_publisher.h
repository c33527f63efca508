// A minimal MQTT 5 publisher on a plain TCP socket, for the load generator
// only (bench/pipeline/loadgen.cc, "publish").
//
// Why not libmosquitto here: its threaded client wakes its network thread
// through a socket pair and writes every PUBLISH with its own send(), which
// cost the generator ~50 us of CPU per message on the two-core benchmark
// machine -- as much as the node it measured. This client encodes a burst of
// QoS 1 PUBLISH packets into one buffer and writes it with one send(); a
// reader thread counts the PUBACKs and keeps the number in flight within the
// broker's Receive Maximum. CONNECT (clean start, no keepalive), PUBLISH,
// PUBACK and DISCONNECT are all it speaks.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

class RawPublisher {
 public:
  ~RawPublisher();
  // Connects to 127.0.0.1:PORT and waits for the CONNACK; false with *error.
  bool connect(int port, const std::string& client_id, std::string* error);
  // Appends one QoS 1 PUBLISH to the pending burst.
  void add(std::string_view topic, std::string_view payload);
  // Sends the pending burst in one write, first waiting (bounded) until the
  // broker's Receive Maximum leaves room for it. False if the connection failed.
  bool flush();
  // Waits (up to timeout_ms) until every message sent was acknowledged.
  bool wait_acked(int timeout_ms);
  uint64_t sent() const { return sent_; }
  uint64_t acked();
  // DISCONNECT, then closes the socket.
  void close();

 private:
  void read_acks();

  int fd_ = -1;
  uint16_t next_id_ = 1;
  uint32_t receive_maximum_ = 65535;
  std::string pending_;
  uint32_t pending_count_ = 0;
  uint64_t sent_ = 0;
  std::mutex mutex_;
  std::condition_variable acked_cv_;
  uint64_t acked_ = 0;  // guarded by mutex_
  bool failed_ = false;  // guarded by mutex_
  std::thread reader_;
};
