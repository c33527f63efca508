// The fleet's events log (docs/api.md "GET /api/events"): nodes going offline
// and online, traps, restarts, rollbacks, refused modules, outbox overflows,
// failed sign-ins. A bounded ring: the newest `capacity` events, each with an
// id that grows by one, so a client asks for "everything after id N" and can
// tell when it missed some (N older than the oldest kept). Pure logic,
// thread-safe (written by the bus and HTTP threads, read by HTTP threads).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace continuum::node {

struct FleetEvent {
  uint64_t id = 0;       // given by EventLog::add
  int64_t ts_ms = 0;     // the cloud node's clock
  std::string kind;      // "offline", "trap", "module-refused", ... (docs/api.md)
  std::string severity;  // "info", "warning", "error"
  std::string node, stage;  // stage empty for node-wide events
  std::string message;   // one sentence for people
  uint64_t count = 0;    // by how much a counter grew (trap, restart ...), else 0
  std::string client;    // login-failed: the client's address
};

class EventLog {
 public:
  explicit EventLog(std::size_t capacity = 1000) : capacity_(capacity == 0 ? 1 : capacity) {}

  // Stores the event with the next id and returns it as stored.
  FleetEvent add(FleetEvent event);
  // Events with id > since, oldest first, at most `limit`; `node` empty: all.
  std::vector<FleetEvent> after(uint64_t since, std::size_t limit, const std::string& node = "") const;
  // The newest `limit` events, oldest first.
  std::vector<FleetEvent> latest(std::size_t limit, const std::string& node = "") const;
  uint64_t oldest_id() const;  // 0 while empty
  uint64_t last_id() const;    // 0 while empty

 private:
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::deque<FleetEvent> ring_;
  uint64_t next_id_ = 1;
};

}  // namespace continuum::node
