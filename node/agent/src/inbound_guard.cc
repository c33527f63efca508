#include "inbound_guard.h"

#include <cstdio>

#include "continuum/node/reading.h"
#include "continuum/node/reading_batch.h"
#include "continuum/node/topics.h"

namespace continuum::node::agent {

InboundGuard::InboundGuard(std::string node_id, std::size_t max_payload)
    : node_id_(std::move(node_id)), max_payload_(max_payload) {}

bool InboundGuard::oversized(const Message& m, bool count) {
  // Size first: a huge payload is never handed to the JSON parser.
  if (m.payload.size() <= max_payload_) return false;
  if (!count) return true;
  std::lock_guard lock(mutex_);
  ++counters_.oversized;
  log_first(&logged_oversized_, "dropped a " + std::to_string(m.payload.size()) + "-byte message on " + m.topic +
                                    " (more than [mqtt] max_payload = " + std::to_string(max_payload_) + " bytes)");
  return true;
}

void InboundGuard::count_malformed(const Message& m, const std::string& why) {
  std::lock_guard lock(mutex_);
  ++counters_.malformed;
  log_first(&logged_malformed_, "dropped a message on " + m.topic + " that is not a valid envelope (" + why + ")");
}

bool InboundGuard::accept(const Message& m, bool count) { return !oversized(m, count); }

bool InboundGuard::accept_data(const Message& m, bool count, std::vector<Accepted>* readings) {
  readings->clear();
  if (oversized(m, count)) return false;
  std::string why;
  if (!is_reading_batch(m.payload)) {
    if (std::optional<Reading> reading = decode_reading(m.payload, &why)) {
      readings->push_back({m.payload, std::move(*reading)});
      return true;
    }
    if (count) count_malformed(m, why);
    return false;
  }
  std::optional<std::vector<std::string_view>> elements = split_reading_batch(m.payload, &why);
  if (!elements) {
    if (!count) return false;
    std::lock_guard lock(mutex_);
    ++counters_.bad_batches;
    log_first(&logged_bad_batch_, "dropped a batch on " + m.topic + " (" + why + ")");
    return false;
  }
  readings->reserve(elements->size());
  for (std::string_view element : *elements) {
    if (std::optional<Reading> reading = decode_reading(element, &why)) readings->push_back({element, std::move(*reading)});
    else if (count) count_malformed(m, "in a batch: " + why);
  }
  return !readings->empty();
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
  return {{"oversized", c.oversized}, {"malformed", c.malformed}, {"bad_batches", c.bad_batches}};
}

}  // namespace continuum::node::agent
