#include "continuum/node/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace continuum::node {

namespace {
constexpr int64_t kUnused = std::numeric_limits<int64_t>::min();
}  // namespace

std::size_t LatencyHistogram::bucket_of(int64_t us) {
  if (us < kSubBuckets) return us < 0 ? 0 : static_cast<std::size_t>(us);
  const auto v = static_cast<uint64_t>(us);
  const int exponent = 63 - std::countl_zero(v);
  if (exponent >= kTopExponent) return kBuckets - 1;
  const int shift = exponent - kSubBucketBits;
  const auto sub = static_cast<std::size_t>((v >> shift) - kSubBuckets);
  return static_cast<std::size_t>(kSubBuckets) + static_cast<std::size_t>(shift) * kSubBuckets + sub;
}

int64_t LatencyHistogram::bucket_low(std::size_t index) {
  if (index < static_cast<std::size_t>(kSubBuckets)) return static_cast<int64_t>(index);
  const std::size_t shift = (index - kSubBuckets) / kSubBuckets;
  const std::size_t sub = (index - kSubBuckets) % kSubBuckets;
  return static_cast<int64_t>(kSubBuckets + sub) << shift;
}

int64_t LatencyHistogram::bucket_high(std::size_t index) {
  if (index < static_cast<std::size_t>(kSubBuckets)) return static_cast<int64_t>(index) + 1;
  const std::size_t shift = (index - kSubBuckets) / kSubBuckets;
  const std::size_t sub = (index - kSubBuckets) % kSubBuckets;
  return static_cast<int64_t>(kSubBuckets + sub + 1) << shift;
}

void LatencyHistogram::record_us(int64_t us) {
  ++buckets_[bucket_of(us)];
  min_us_ = count_ == 0 ? us : std::min(min_us_, us);
  max_us_ = count_ == 0 ? us : std::max(max_us_, us);
  sum_us_ += static_cast<double>(us);
  if (us < 0) ++negative_;
  ++count_;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  min_us_ = count_ == 0 ? other.min_us_ : std::min(min_us_, other.min_us_);
  max_us_ = count_ == 0 ? other.max_us_ : std::max(max_us_, other.max_us_);
  sum_us_ += other.sum_us_;
  negative_ += other.negative_;
  count_ += other.count_;
}

void LatencyHistogram::clear() { *this = LatencyHistogram(); }

double LatencyHistogram::quantile_us(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // Nearest rank: the smallest sample with at least q of all samples at or below it.
  const uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      const double mid = (static_cast<double>(bucket_low(i)) + static_cast<double>(bucket_high(i) - 1)) / 2.0;
      return std::clamp(mid, static_cast<double>(min_us_), static_cast<double>(max_us_));
    }
  }
  return static_cast<double>(max_us_);
}

LatencySummary LatencyHistogram::summary() const {
  LatencySummary s;
  s.count = count_;
  s.negative = negative_;
  if (count_ == 0) return s;
  s.min_ms = static_cast<double>(min_us_) / 1000.0;
  s.max_ms = static_cast<double>(max_us_) / 1000.0;
  s.sum_ms = sum_us_ / 1000.0;
  s.p50_ms = quantile_us(0.50) / 1000.0;
  s.p95_ms = quantile_us(0.95) / 1000.0;
  s.p99_ms = quantile_us(0.99) / 1000.0;
  return s;
}

WindowedLatency::WindowedLatency(int64_t window_ms, int slices)
    : window_ms_(std::max<int64_t>(window_ms, 1)),
      slice_ms_(std::max<int64_t>(window_ms_ / std::max(slices, 1), 1)),
      slices_(static_cast<std::size_t>(std::max(slices, 1))),
      slice_start_(slices_.size(), kUnused) {}

void WindowedLatency::record_us(int64_t us, int64_t now_ms) {
  total_.record_us(us);
  // Slices form a ring indexed by period number; a slot still holding an
  // older period is reused (its samples have left the window).
  const int64_t period = now_ms >= 0 ? now_ms / slice_ms_ : (now_ms - slice_ms_ + 1) / slice_ms_;
  const int64_t start = period * slice_ms_;
  const auto slot = static_cast<std::size_t>(((period % static_cast<int64_t>(slices_.size())) +
                                              static_cast<int64_t>(slices_.size())) %
                                             static_cast<int64_t>(slices_.size()));
  if (slice_start_[slot] != start) {
    slices_[slot].clear();
    slice_start_[slot] = start;
  }
  slices_[slot].record_us(us);
}

LatencyHistogram WindowedLatency::recent(int64_t now_ms) const {
  LatencyHistogram out;
  for (std::size_t i = 0; i < slices_.size(); ++i) {
    // A slice counts while any part of its period lies in (now - window, now].
    if (slice_start_[i] != kUnused && slice_start_[i] + slice_ms_ > now_ms - window_ms_ && slice_start_[i] <= now_ms)
      out.merge(slices_[i]);
  }
  return out;
}

}  // namespace continuum::node
