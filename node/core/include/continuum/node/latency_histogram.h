// Latency distributions: a log-linear histogram with fixed memory (mergeable,
// percentiles to a stated relative error) and a sliding-window view of it.
//
// Values are microseconds. Below 64 µs every value has its own bucket (exact);
// above, each power of two [2^e, 2^(e+1)) is split into 64 equal buckets, so a
// bucket is at most 1/64 of its lower bound wide and a reported percentile
// (the bucket's midpoint, clamped to the exact min/max) is within 1/128
// (0.8 %) of the true sample at that rank. The top bucket ends at 2^32 µs
// (about 71 minutes); larger values land in it and max stays exact.
// Negative values (clocks of different nodes disagreeing) count as 0 in the
// buckets; min, mean and the `negative` count keep the truth.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace continuum::node {

// What callers read: count, exact min/max/mean, and percentiles, in ms.
struct LatencySummary {
  uint64_t count = 0;
  uint64_t negative = 0;  // samples below 0 (clock skew between nodes)
  double min_ms = 0, max_ms = 0, sum_ms = 0;
  double p50_ms = 0, p95_ms = 0, p99_ms = 0;
  double mean_ms() const { return count ? sum_ms / static_cast<double>(count) : 0.0; }
};

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 6;
  static constexpr int64_t kSubBuckets = int64_t{1} << kSubBucketBits;  // 64
  static constexpr int kTopExponent = 32;  // values >= 2^32 µs share the top bucket
  static constexpr std::size_t kBuckets =
      static_cast<std::size_t>(kSubBuckets + (kTopExponent - kSubBucketBits) * kSubBuckets);
  // Largest relative distance of a percentile from the sample at its rank
  // (values >= 64 µs; below, percentiles are exact).
  static constexpr double kRelativeError = 1.0 / 128;

  void record_us(int64_t us);
  void record_ms(double ms) { record_us(static_cast<int64_t>(ms * 1000.0)); }
  void merge(const LatencyHistogram& other);
  void clear();

  uint64_t count() const { return count_; }
  // Value (µs) at quantile q in [0, 1]: the nearest-rank sample's bucket
  // midpoint, clamped to [min, max]. 0 when empty.
  double quantile_us(double q) const;
  int64_t min_us() const { return min_us_; }
  int64_t max_us() const { return max_us_; }
  double sum_us() const { return sum_us_; }
  LatencySummary summary() const;

  // Bucket arithmetic, public for the tests.
  static std::size_t bucket_of(int64_t us);
  static int64_t bucket_low(std::size_t index);   // smallest value in the bucket
  static int64_t bucket_high(std::size_t index);  // one past the largest

 private:
  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  uint64_t negative_ = 0;
  int64_t min_us_ = 0, max_us_ = 0;
  double sum_us_ = 0;
};

// A histogram since start plus one over the last `window` (approximately: the
// window is kept as `slices` histograms of window/slices each, and the oldest
// slice leaves as a whole). Time is whatever clock the caller passes (ms).
class WindowedLatency {
 public:
  explicit WindowedLatency(int64_t window_ms = 60'000, int slices = 6);

  void record_us(int64_t us, int64_t now_ms);
  const LatencyHistogram& total() const { return total_; }
  // Samples recorded in the last window_ms (ending at now_ms).
  LatencyHistogram recent(int64_t now_ms) const;
  int64_t window_ms() const { return window_ms_; }

 private:
  int64_t window_ms_, slice_ms_;
  LatencyHistogram total_;
  std::vector<LatencyHistogram> slices_;
  std::vector<int64_t> slice_start_;  // start of the period each slice holds (INT64_MIN: unused)
};

}  // namespace continuum::node
