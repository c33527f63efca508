#include "continuum/node/outbox_sender.h"

#include <algorithm>

#include "continuum/node/reading_batch.h"
#include "continuum/node/topics.h"

namespace continuum::node {

OutboxSender::OutboxSender(Outbox& outbox, MessageBus& bus, std::size_t window)
    : outbox_(outbox), bus_(bus), window_(window == 0 ? 1 : window) {
  bus_.set_ack_handler([this](int token) { on_ack(token); });
  bus_.set_connection_handler([this](bool connected) {
    if (connected) pump();
  });
}

OutboxSender::~OutboxSender() {
  {
    std::lock_guard lock(post_mutex_);
    closing_ = true;
  }
  posted_.notify_all();
  if (committer_.joinable()) committer_.join();  // stores what is left first
  bus_.set_ack_handler({});
  bus_.set_connection_handler({});
}

PushOutcome OutboxSender::send(std::string_view topic, std::string_view payload) {
  // Not under mutex_: with the kBlock policy push() waits for acks, which
  // need mutex_.
  PushOutcome outcome = outbox_.push(topic, payload);
  if (outcome == PushOutcome::kStored || outcome == PushOutcome::kStoredDroppedOldest) pump();
  return outcome;
}

// Messages posted and not yet stored, at most. Past it the producer waits:
// memory stays bounded, and a full outbox with the kBlock policy (the
// committer waiting for room) still holds the producer back as push() would.
constexpr std::size_t kMaxPosted = 4096;

void OutboxSender::post(std::string topic, std::string payload) {
  {
    std::unique_lock lock(post_mutex_);
    if (!committer_.joinable()) committer_ = std::thread([this] { commit_posted(); });
    committed_.wait(lock, [this] { return posted_messages_.size() < kMaxPosted; });
    posted_messages_.emplace_back(std::move(topic), std::move(payload));
  }
  posted_.notify_one();
}

void OutboxSender::commit_posted() {
  std::unique_lock lock(post_mutex_);
  for (;;) {
    posted_.wait(lock, [this] { return closing_ || !posted_messages_.empty(); });
    if (posted_messages_.empty()) return;  // closing, nothing left
    std::vector<std::pair<std::string, std::string>> batch;
    batch.swap(posted_messages_);
    committing_ = true;
    lock.unlock();
    uint64_t failed = 0;
    for (PushOutcome outcome : outbox_.push_batch(batch))
      if (outcome == PushOutcome::kRefused || outcome == PushOutcome::kFailed) ++failed;
    pump();
    lock.lock();
    post_failures_ += failed;
    committing_ = false;
    committed_.notify_all();
  }
}

void OutboxSender::flush_posted() {
  std::unique_lock lock(post_mutex_);
  committed_.wait(lock, [this] { return posted_messages_.empty() && !committing_; });
}

uint64_t OutboxSender::post_failures() {
  std::lock_guard lock(post_mutex_);
  return post_failures_;
}

void OutboxSender::set_batching(std::size_t max_readings, std::size_t max_bytes) {
  std::lock_guard lock(mutex_);
  batch_max_ = std::clamp<std::size_t>(max_readings, 1, kMaxBatchReadings);
  batch_max_bytes_ = std::min(max_bytes, kMaxBatchBytes);
}

namespace {

// An entry that may share a message: a data envelope (an object, not itself
// a batch). Anything else (commands, raw test payloads) always goes alone.
bool batchable(const OutboxEntry& e) {
  return topics::is_data(e.topic) && !e.payload.empty() && e.payload[0] == '{' &&
         !is_reading_batch(e.payload);
}

}  // namespace

void OutboxSender::pump() {
  // Held across publish() so that an ack cannot arrive before its token is
  // recorded.
  std::lock_guard lock(mutex_);
  if (!bus_.connected() || in_flight_.size() >= window_) return;
  const std::size_t free_slots = window_ - in_flight_.size();
  // With batching, look at as many entries as the free slots could carry;
  // they are grouped below and whatever does not fit is read again next time.
  std::vector<OutboxEntry> entries = outbox_.peek(last_dispatched_id_, free_slots * batch_max_);
  std::size_t sent_messages = 0;
  for (std::size_t k = 0; k < entries.size() && sent_messages < free_slots;) {
    // The run of consecutive entries that go together: same data topic,
    // within the count and byte bounds.
    std::size_t end = k + 1;
    if (batch_max_ > 1 && batchable(entries[k])) {
      std::size_t bytes = entries[k].payload.size();
      while (end < entries.size() && end - k < batch_max_ && entries[end].topic == entries[k].topic &&
             batchable(entries[end]) &&
             reading_batch_size(end - k + 1, bytes + entries[end].payload.size()) <= batch_max_bytes_) {
        bytes += entries[end].payload.size();
        ++end;
      }
    }
    std::vector<int64_t> ids;
    ids.reserve(end - k);
    for (std::size_t j = k; j < end; ++j) ids.push_back(entries[j].id);
    int token = 0;
    Status published;
    if (end - k == 1) {
      published = bus_.publish(entries[k].topic, entries[k].payload, /*qos=*/1, /*retain=*/false, &token);
    } else {
      std::vector<std::string_view> envelopes;
      envelopes.reserve(end - k);
      for (std::size_t j = k; j < end; ++j) envelopes.push_back(entries[j].payload);
      published = bus_.publish(entries[k].topic, encode_reading_batch(envelopes), 1, false, &token);
    }
    if (!published) return;
    if (end - k > 1) ++batches_sent_;
    last_dispatched_id_ = entries[end - 1].id;
    in_flight_[token] = std::move(ids);
    ++sent_messages;
    k = end;
  }
}

void OutboxSender::on_ack(int token) {
  {
    std::lock_guard lock(mutex_);
    auto it = in_flight_.find(token);
    if (it == in_flight_.end()) return;  // not ours (e.g. a status message)
    outbox_.remove_many(it->second);
    acknowledged_ += it->second.size();
    in_flight_.erase(it);
  }
  pump();
}

uint64_t OutboxSender::batches_sent() {
  std::lock_guard lock(mutex_);
  return batches_sent_;
}

std::size_t OutboxSender::in_flight() {
  std::lock_guard lock(mutex_);
  return in_flight_.size();
}

uint64_t OutboxSender::acknowledged() {
  std::lock_guard lock(mutex_);
  return acknowledged_;
}

}  // namespace continuum::node
