#include "inbound_guard.h"

#include <cstdio>

#include "continuum/node/reading.h"
#include "continuum/node/topics.h"

namespace continuum::node::agent {

InboundGuard::InboundGuard(std::string node_id, std::size_t max_payload)
    : node_id_(std::move(node_id)), max_payload_(max_payload) {}

bool InboundGuard::accept(const Message& m, bool count, std::optional<Reading>* decoded) {
  // Size first: a huge payload is never handed to the JSON parser.
  if (m.payload.size() > max_payload_) {
    if (!count) return false;
    std::lock_guard lock(mutex_);
    ++counters_.oversized;
    log_first(&logged_oversized_, "dropped a " + std::to_string(m.payload.size()) + "-byte message on " + m.topic +
                                      " (more than [mqtt] max_payload = " + std::to_string(max_payload_) + " bytes)");
    return false;
  }
  static const std::string data_prefix = topics::all_data().substr(0, topics::all_data().size() - 1);
  if (m.topic.compare(0, data_prefix.size(), data_prefix) != 0) return true;
  std::string why;
  if (std::optional<Reading> reading = decode_reading(m.payload, &why)) {
    if (decoded) *decoded = std::move(reading);
    return true;
  }
  if (!count) return false;
  std::lock_guard lock(mutex_);
  ++counters_.malformed;
  log_first(&logged_malformed_, "dropped a message on " + m.topic + " that is not a valid envelope (" + why + ")");
  return false;
}

// One line per kind for the life of the process: a sender stuck on bad
// output must not flood the log; the counters say how many followed.
void InboundGuard::log_first(bool* logged, const std::string& line) {
  if (*logged) return;
  *logged = true;
  std::fprintf(stderr, "%s: %s; further ones are only counted (heartbeat bad_input)\n", node_id_.c_str(),
               line.c_str());
}

BadInputCounters InboundGuard::counters() {
  std::lock_guard lock(mutex_);
  return counters_;
}

nlohmann::json InboundGuard::counters_json() {
  BadInputCounters c = counters();
  return {{"oversized", c.oversized}, {"malformed", c.malformed}};
}

}  // namespace continuum::node::agent
