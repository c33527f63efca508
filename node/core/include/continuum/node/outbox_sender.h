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

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "continuum/node/message_bus.h"
#include "continuum/node/outbox.h"
#include "continuum/node/reading_batch.h"

namespace continuum::node {

class OutboxSender {
 public:
  // Installs the bus's ack and connection handlers.
  OutboxSender(Outbox& outbox, MessageBus& bus, std::size_t window = 16);
  // Stores what was posted and not yet stored, removes its handlers from the bus.
  ~OutboxSender();
  OutboxSender(const OutboxSender&) = delete;
  OutboxSender& operator=(const OutboxSender&) = delete;

  // Stores the message (QoS 1) and sends it as soon as the window allows.
  PushOutcome send(std::string_view topic, std::string_view payload);
  // Dispatches whatever the window allows (also called on reconnect and ack).
  void pump();

  // Group commit, for a producer that must not wait for the disk: the
  // message is queued in memory and returns at once; a committer thread
  // stores everything queued meanwhile in one transaction, then sends it.
  // Still committed before sent; a crash loses what was queued and not yet
  // committed (at most one commit's worth, about a millisecond).
  void post(std::string topic, std::string payload);
  // Waits until everything posted so far has been stored (or failed).
  void flush_posted();
  // Posted messages the outbox refused or failed to store (overflow policy
  // kDropNewest/kBlock, or a storage error).
  uint64_t post_failures();

  // Opportunistic batching of data envelopes (reading_batch.h): when the
  // window lets several stored entries go at once and consecutive ones are
  // envelopes on the same data topic, up to MAX_READINGS of them (and
  // MAX_BYTES, at most kMaxBatchBytes: receivers drop a larger payload whole)
  // leave as one {"batch":[...]} message; a lone entry still leaves as
  // itself, so nothing waits for a batch to fill. 1 (the default): every
  // entry is its own message. Set before the first send.
  void set_batching(std::size_t max_readings, std::size_t max_bytes = kMaxBatchBytes);

  std::size_t in_flight();  // messages (a batch counts once)
  uint64_t acknowledged();  // outbox entries acknowledged
  uint64_t batches_sent();  // messages that carried more than one entry

 private:
  void on_ack(int token);
  void commit_posted();

  Outbox& outbox_;
  MessageBus& bus_;
  const std::size_t window_;
  std::mutex mutex_;
  int64_t last_dispatched_id_ = 0;
  std::unordered_map<int, std::vector<int64_t>> in_flight_;  // bus token -> outbox ids it carries
  uint64_t acknowledged_ = 0;
  std::size_t batch_max_ = 1;
  std::size_t batch_max_bytes_ = kMaxBatchBytes;
  uint64_t batches_sent_ = 0;

  std::mutex post_mutex_;  // the fields below
  std::condition_variable posted_, committed_;
  std::vector<std::pair<std::string, std::string>> posted_messages_;
  bool committing_ = false, closing_ = false;
  uint64_t post_failures_ = 0;
  std::thread committer_;  // started by the first post()
};

}  // namespace continuum::node
