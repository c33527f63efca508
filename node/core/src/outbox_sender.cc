#include "continuum/node/outbox_sender.h"

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

void OutboxSender::pump() {
  // Held across publish() so that an ack cannot arrive before its token is
  // recorded.
  std::lock_guard lock(mutex_);
  if (!bus_.connected() || in_flight_.size() >= window_) return;
  for (const OutboxEntry& entry : outbox_.peek(last_dispatched_id_, window_ - in_flight_.size())) {
    int token = 0;
    if (!bus_.publish(entry.topic, entry.payload, /*qos=*/1, /*retain=*/false, &token)) return;
    in_flight_[token] = entry.id;
    last_dispatched_id_ = entry.id;
  }
}

void OutboxSender::on_ack(int token) {
  {
    std::lock_guard lock(mutex_);
    auto it = in_flight_.find(token);
    if (it == in_flight_.end()) return;  // not ours (e.g. a status message)
    outbox_.remove(it->second);
    in_flight_.erase(it);
    ++acknowledged_;
  }
  pump();
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
