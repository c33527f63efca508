// Outbox: the node's durable queue of outgoing messages. A message is stored
// before it is sent and removed when the broker acknowledged it, so a broker
// outage or a restart of the node loses nothing (up to the bound).
// Implemented by adapters/sqlite (SqliteOutbox).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "continuum/node/status.h"

namespace continuum::node {

// What push() does when the outbox already holds `capacity` messages.
enum class OverflowPolicy {
  kDropOldest,  // delete the oldest stored message, store the new one
  kDropNewest,  // refuse the new message
  kBlock,       // wait for room (up to a timeout), then refuse
};

struct OutboxEntry {
  int64_t id = 0;  // increasing in push order
  std::string topic;
  std::string payload;
};

enum class PushOutcome {
  kStored,             // stored, nothing lost
  kStoredDroppedOldest,// stored; the oldest message was discarded for it
  kRefused,            // full (kDropNewest, or kBlock timed out): not stored
  kFailed,             // storage error
};

class Outbox {
 public:
  virtual ~Outbox() = default;

  virtual PushOutcome push(std::string_view topic, std::string_view payload) = 0;
  // Stores several (topic, payload) messages, in order; one outcome each.
  // Backends that can commit them together (one fsync for the batch) do.
  virtual std::vector<PushOutcome> push_batch(const std::vector<std::pair<std::string, std::string>>& messages) {
    std::vector<PushOutcome> outcomes;
    for (const auto& [topic, payload] : messages) outcomes.push_back(push(topic, payload));
    return outcomes;
  }
  // Up to `max` entries with id > after_id, oldest first.
  virtual std::vector<OutboxEntry> peek(int64_t after_id, std::size_t max) = 0;
  // Removes an acknowledged entry (absent ids are ignored).
  virtual Status remove(int64_t id) = 0;
  // Removes several (one acknowledged batch message, reading_batch.h);
  // backends that can do it in one transaction do.
  virtual Status remove_many(const std::vector<int64_t>& ids) {
    Status last = Status::success();
    for (int64_t id : ids)
      if (Status s = remove(id); !s) last = s;
    return last;
  }
  virtual std::size_t size() = 0;
  // Messages lost or refused because the outbox was full, since it was created.
  virtual uint64_t overflow_count() = 0;
};

}  // namespace continuum::node
