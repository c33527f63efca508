#include "continuum/node/ingest.h"

#include <algorithm>
#include <chrono>

#include "continuum/node/topics.h"

namespace continuum::node {

void LatencyStats::add(int64_t ms) {
  min_ms = count == 0 ? ms : std::min(min_ms, ms);
  max_ms = count == 0 ? ms : std::max(max_ms, ms);
  sum_ms += static_cast<double>(ms);
  ++count;
}

namespace {

int64_t system_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

IngestWorker::IngestWorker(MessageBus& bus, ReadingStore& store, IngestConfig config)
    : bus_(bus), store_(store), config_(std::move(config)) {
  if (config_.filter.empty()) config_.filter = topics::all_data();
  if (!config_.now_ms) config_.now_ms = system_now_ms;
}

IngestWorker::~IngestWorker() {
  if (started_) bus_.set_message_handler({});
}

Status IngestWorker::start() {
  started_ = true;
  bus_.set_message_handler([this](const Message& message) { handle(message); });
  std::string filter = config_.share_group.empty() ? config_.filter
                                                   : topics::shared(config_.share_group, config_.filter);
  return bus_.subscribe(filter, /*qos=*/1);
}

void IngestWorker::handle(const Message& message) {
  const int64_t now = config_.now_ms();
  std::optional<Reading> reading = decode_reading(message.payload);
  std::lock_guard lock(mutex_);
  ++counters_.received;
  if (!reading) {
    ++counters_.rejected;
    return;
  }
  switch (store_.insert(*reading, now)) {
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
  // Hops: origin -> forwarder 1 -> ... -> ingest; each leg is the difference
  // of the receive timestamps (clocks of different nodes: a leg can be
  // negative when they disagree; it is recorded as measured).
  std::string from = reading->node;
  int64_t from_ts = reading->ts_ms;
  for (const Hop& hop : reading->hops) {
    hops_[from + "->" + hop.node].add(hop.ts_ms - from_ts);
    from = hop.node;
    from_ts = hop.ts_ms;
  }
  hops_[from + "->ingest"].add(now - from_ts);
  end_to_end_.add(now - reading->ts_ms);
}

IngestCounters IngestWorker::counters() {
  std::lock_guard lock(mutex_);
  return counters_;
}

LatencyStats IngestWorker::end_to_end() {
  std::lock_guard lock(mutex_);
  return end_to_end_;
}

std::map<std::string, LatencyStats> IngestWorker::hops() {
  std::lock_guard lock(mutex_);
  return hops_;
}

}  // namespace continuum::node
