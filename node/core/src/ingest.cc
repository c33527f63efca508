#include "continuum/node/ingest.h"

#include <algorithm>
#include <chrono>

#include "continuum/node/reading_batch.h"
#include "continuum/node/topics.h"
#include "continuum/node/wall_clock.h"

namespace continuum::node {

IngestWorker::IngestWorker(MessageBus& bus, ReadingStore& store, IngestConfig config)
    : bus_(bus), store_(store), config_(std::move(config)), end_to_end_(config_.latency_window_ms) {
  if (config_.filter.empty()) config_.filter = topics::all_data();
  if (!config_.now_ms) config_.now_ms = wall_clock_ms;
}

IngestWorker::~IngestWorker() {
  if (started_) bus_.set_message_handler({});
  {
    std::lock_guard lock(queue_mutex_);
    closing_ = true;
  }
  queued_.notify_all();
  if (writer_.joinable()) writer_.join();  // stores what is queued first
}

Status IngestWorker::start() {
  started_ = true;
  bus_.set_message_handler([this](const Message& message) { handle(message); });
  std::string filter = config_.share_group.empty() ? config_.filter
                                                   : topics::shared(config_.share_group, config_.filter);
  return bus_.subscribe(filter, /*qos=*/1);
}

void IngestWorker::handle(const Message& message) {
  if (!is_reading_batch(message.payload)) return handle(message, decode_reading(message.payload));
  // A batch (reading_batch.h): each element is a reading of its own, stored
  // (or rejected) as if it had come alone; a malformed batch counts once.
  std::optional<std::vector<std::string_view>> elements = split_reading_batch(message.payload);
  if (!elements) return handle(message, std::nullopt);
  for (std::string_view element : *elements) handle(message, decode_reading(element));
}

// Readings queued and not yet stored, at most: past it handle() waits, as it
// waits for the store without group commit, so memory stays bounded.
constexpr std::size_t kMaxQueued = 20000;

void IngestWorker::handle(const Message& message, std::optional<Reading> reading) {
  (void)message;  // everything needed is in the decoded reading
  const int64_t now = config_.now_ms();
  {
    std::lock_guard lock(mutex_);
    ++counters_.received;
    if (!reading) {
      ++counters_.rejected;
      return;
    }
  }
  if (!config_.group_commit) return record(*reading, now, store_.insert(*reading, now));
  {
    std::unique_lock lock(queue_mutex_);
    if (!writer_.joinable()) writer_ = std::thread([this] { write_queued(); });
    written_.wait(lock, [this] { return queue_.size() < kMaxQueued; });
    queue_.emplace_back(std::move(*reading), now);
  }
  queued_.notify_one();
}

void IngestWorker::write_queued() {
  std::unique_lock lock(queue_mutex_);
  for (;;) {
    queued_.wait(lock, [this] { return closing_ || !queue_.empty(); });
    if (queue_.empty()) return;  // closing, nothing left
    std::vector<std::pair<Reading, int64_t>> batch;
    batch.swap(queue_);
    writing_ = true;
    written_.notify_all();  // room in the queue again
    lock.unlock();
    std::vector<InsertOutcome> outcomes = store_.insert_batch(batch);
    for (std::size_t i = 0; i < batch.size(); ++i)
      record(batch[i].first, batch[i].second, i < outcomes.size() ? outcomes[i] : InsertOutcome::kFailed);
    lock.lock();
    writing_ = false;
    written_.notify_all();
  }
}

void IngestWorker::flush() {
  std::unique_lock lock(queue_mutex_);
  written_.wait(lock, [this] { return queue_.empty() && !writing_; });
}

void IngestWorker::record(const Reading& reading, int64_t now, InsertOutcome outcome) {
  std::unique_lock lock(mutex_);
  switch (outcome) {
    case InsertOutcome::kDuplicate:
      ++counters_.duplicates;
      return;  // its latency was counted when it first arrived
    case InsertOutcome::kFailed:
      ++counters_.failed;
      return;
    case InsertOutcome::kInserted:
    case InsertOutcome::kWritten:
      ++counters_.stored;
      break;
  }
  // Legs are named by where the reading was at each timestamp (docs/
  // protocol.md, "Latency"): its origin, each hop's "<node>/<stage>" (when
  // the input arrived there), "ingest". The origin is the emitter only when
  // there are no hops; otherwise ts was inherited from a reading the
  // envelope does not name, so that point is just "origin". Each leg is the
  // difference of the timestamps (clocks of different nodes: a leg can be
  // negative when they disagree; it is recorded as measured).
  // Timestamps are ms; the histograms count µs (room for finer clocks).
  std::string from = reading.hops.empty() ? reading.node + "/" + reading.stage : "origin";
  int64_t from_ts = reading.ts_ms;
  for (const Hop& hop : reading.hops) {
    std::string at = hop.stage.empty() ? hop.node : hop.node + "/" + hop.stage;
    leg(from + "->" + at).record_us((hop.ts_ms - from_ts) * 1000, now);
    from = std::move(at);
    from_ts = hop.ts_ms;
  }
  leg(from + "->ingest").record_us((now - from_ts) * 1000, now);
  end_to_end_.record_us((now - reading.ts_ms) * 1000, now);
  lock.unlock();
  if (config_.on_stored) config_.on_stored(reading, now);
}

WindowedLatency& IngestWorker::leg(const std::string& name) {
  auto it = hops_.find(name);
  if (it == hops_.end()) it = hops_.emplace(name, WindowedLatency(config_.latency_window_ms)).first;
  return it->second;
}

IngestCounters IngestWorker::counters() {
  std::lock_guard lock(mutex_);
  return counters_;
}

LatencySummary IngestWorker::end_to_end() {
  std::lock_guard lock(mutex_);
  return end_to_end_.total().summary();
}

std::map<std::string, LatencySummary> IngestWorker::hops() {
  std::lock_guard lock(mutex_);
  std::map<std::string, LatencySummary> out;
  for (const auto& [name, latency] : hops_) out[name] = latency.total().summary();
  return out;
}

IngestLatency IngestWorker::latency() {
  const int64_t now = config_.now_ms();
  std::lock_guard lock(mutex_);
  IngestLatency out;
  out.window_ms = end_to_end_.window_ms();
  out.end_to_end = {end_to_end_.total().summary(), end_to_end_.recent(now).summary()};
  for (const auto& [name, latency] : hops_) out.hops[name] = {latency.total().summary(), latency.recent(now).summary()};
  return out;
}

}  // namespace continuum::node
