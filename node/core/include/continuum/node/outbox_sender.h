// OutboxSender: moves messages from the durable Outbox onto a MessageBus in
// order, with a bounded window of unacknowledged messages, and deletes each
// one when the broker acknowledges it.
//
// Ordering: entries are dispatched strictly in outbox order. Messages already
// handed to the bus when the connection drops are retried by the bus itself
// (MessageBus contract), so after a reconnect the sender only continues after
// the last dispatched entry. A new sender (process restart) starts from the
// oldest stored entry: anything not acknowledged is sent again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "continuum/node/message_bus.h"
#include "continuum/node/outbox.h"

namespace continuum::node {

class OutboxSender {
 public:
  // Installs the bus's ack and connection handlers.
  OutboxSender(Outbox& outbox, MessageBus& bus, std::size_t window = 16);
  // Removes its handlers from the bus.
  ~OutboxSender();
  OutboxSender(const OutboxSender&) = delete;
  OutboxSender& operator=(const OutboxSender&) = delete;

  // Stores the message (QoS 1) and sends it as soon as the window allows.
  PushOutcome send(std::string_view topic, std::string_view payload);
  // Dispatches whatever the window allows (also called on reconnect and ack).
  void pump();

  std::size_t in_flight();
  uint64_t acknowledged();

 private:
  void on_ack(int token);

  Outbox& outbox_;
  MessageBus& bus_;
  const std::size_t window_;
  std::mutex mutex_;
  int64_t last_dispatched_id_ = 0;
  std::unordered_map<int, int64_t> in_flight_;  // bus token -> outbox id
  uint64_t acknowledged_ = 0;
};

}  // namespace continuum::node
