// The node's boundary for what arrives over MQTT: before a message reaches a
// stage's queue or ingest, an oversized payload (more than [mqtt]
// max_payload bytes) is dropped without being parsed, and on data topics a
// payload that is not a valid envelope (docs/protocol.md, "Reading") is
// dropped too. Each kind is counted (heartbeat "bad_input") and logged once,
// with the first example; the node carries on with the next message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "continuum/node/message_bus.h"
#include "continuum/node/reading.h"

namespace continuum::node::agent {

struct BadInputCounters {
  uint64_t oversized = 0;  // payload larger than max_payload
  uint64_t malformed = 0;  // data topic, payload not a valid envelope (or batch element)
  uint64_t bad_batches = 0;  // data topic, a batch not well-formed or over the bounds
};

class InboundGuard {
 public:
  InboundGuard(std::string node_id, std::size_t max_payload);

  // True when the message may go on; false when it was dropped (counted,
  // and logged if it is the first of its kind, unless `count` is false: a
  // second copy of a message whose first copy is counted). Called on the
  // network thread. Data messages go through accept_data() instead.
  bool accept(const Message& m, bool count = true);

  // A reading a data message carried: its envelope text (a view into the
  // message's payload) and the envelope decoded from the same parse, for
  // ingest and the stages.
  struct Accepted {
    std::string_view text;
    Reading reading;
  };
  // The readings of a data message: its envelope, or each element of a
  // batch (docs/protocol.md, "Batches"). An oversized message or a malformed
  // batch is dropped whole and counted once; in a well-formed batch each
  // element that is not a valid envelope is dropped and counted as a single
  // message would be, and the others go on. False when nothing goes on.
  bool accept_data(const Message& m, bool count, std::vector<Accepted>* readings);

  BadInputCounters counters();
  nlohmann::json counters_json();

 private:
  void log_first(bool* logged, const std::string& line);

  const std::string node_id_;
  const std::size_t max_payload_;
  std::mutex mutex_;
  BadInputCounters counters_;
  bool oversized(const Message& m, bool count);
  void count_malformed(const Message& m, const std::string& why);

  bool logged_oversized_ = false, logged_malformed_ = false, logged_bad_batch_ = false;
};

}  // namespace continuum::node::agent
