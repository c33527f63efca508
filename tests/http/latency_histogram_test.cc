// LatencyHistogram and WindowedLatency against sorted samples: every
// percentile within the stated relative error of the nearest-rank sample.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "continuum/node/latency_histogram.h"

namespace continuum::node {
namespace {

// The nearest-rank sample: the smallest value with at least q of all at or below it.
int64_t nearest_rank(std::vector<int64_t> sorted, double q) {
  std::sort(sorted.begin(), sorted.end());
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::max<std::size_t>(rank, 1) - 1];
}

void expect_within_error(const LatencyHistogram& h, const std::vector<int64_t>& samples, double q) {
  const double exact = static_cast<double>(nearest_rank(samples, q));
  const double estimate = h.quantile_us(q);
  // Exact below 64 µs (one bucket per value); relative error above.
  const double allowed = exact < 64 ? 0.0 : exact * LatencyHistogram::kRelativeError;
  EXPECT_LE(std::abs(estimate - exact), allowed + 1e-9) << "q=" << q << " exact=" << exact << " estimate=" << estimate;
}

TEST(LatencyHistogram, BucketsCoverTheRangeWithoutGapsAndWithinTheRelativeWidth) {
  for (std::size_t i = 0; i + 1 < LatencyHistogram::kBuckets; ++i) {
    ASSERT_EQ(LatencyHistogram::bucket_high(i), LatencyHistogram::bucket_low(i + 1)) << i;
    const int64_t low = LatencyHistogram::bucket_low(i);
    ASSERT_EQ(LatencyHistogram::bucket_of(low), i);
    ASSERT_EQ(LatencyHistogram::bucket_of(LatencyHistogram::bucket_high(i) - 1), i);
    if (low >= 64) {
      const double width = static_cast<double>(LatencyHistogram::bucket_high(i) - low);
      ASSERT_LE(width / static_cast<double>(low), 2 * LatencyHistogram::kRelativeError) << i;
    }
  }
  // Top bucket ends at 2^32 µs (about 71 minutes); beyond lands in it.
  EXPECT_EQ(LatencyHistogram::bucket_high(LatencyHistogram::kBuckets - 1), int64_t{1} << 32);
  EXPECT_EQ(LatencyHistogram::bucket_of(int64_t{10} << 40), LatencyHistogram::kBuckets - 1);
  EXPECT_EQ(LatencyHistogram::bucket_of(-5), 0u);
}

TEST(LatencyHistogram, PercentilesMatchSortedSamplesFrom10usTo1h) {
  std::mt19937_64 rng(7);
  // Log-uniform from 10 µs to an hour: every octave gets samples.
  std::uniform_real_distribution<double> exponent(std::log(10.0), std::log(3.6e9));
  for (int run = 0; run < 5; ++run) {
    LatencyHistogram h;
    std::vector<int64_t> samples;
    const int n = 1 + run * 2500;
    for (int i = 0; i < n; ++i) {
      int64_t us = static_cast<int64_t>(std::exp(exponent(rng)));
      samples.push_back(us);
      h.record_us(us);
    }
    for (double q : {0.0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0}) expect_within_error(h, samples, q);
    EXPECT_EQ(h.count(), samples.size());
    EXPECT_EQ(h.min_us(), *std::min_element(samples.begin(), samples.end()));
    EXPECT_EQ(h.max_us(), *std::max_element(samples.begin(), samples.end()));
  }
}

TEST(LatencyHistogram, SummaryIsInMillisecondsWithExactMinMaxMean) {
  LatencyHistogram h;
  for (int ms = 1; ms <= 100; ++ms) h.record_ms(ms);
  LatencySummary s = h.summary();
  EXPECT_EQ(s.count, 100u);
  EXPECT_DOUBLE_EQ(s.min_ms, 1);
  EXPECT_DOUBLE_EQ(s.max_ms, 100);
  EXPECT_DOUBLE_EQ(s.mean_ms(), 50.5);
  EXPECT_NEAR(s.p50_ms, 50, 50 * LatencyHistogram::kRelativeError);
  EXPECT_NEAR(s.p95_ms, 95, 95 * LatencyHistogram::kRelativeError);
  EXPECT_NEAR(s.p99_ms, 99, 99 * LatencyHistogram::kRelativeError);
  EXPECT_EQ(LatencyHistogram().summary().count, 0u);
  EXPECT_EQ(LatencyHistogram().quantile_us(0.5), 0);
}

TEST(LatencyHistogram, MergeEqualsRecordingEverythingInOne) {
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int64_t> us(0, 5'000'000);
  LatencyHistogram a, b, both;
  std::vector<int64_t> samples;
  for (int i = 0; i < 3000; ++i) {
    int64_t v = us(rng);
    (i % 3 ? a : b).record_us(v);
    both.record_us(v);
    samples.push_back(v);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), both.count());
  EXPECT_EQ(a.min_us(), both.min_us());
  EXPECT_EQ(a.max_us(), both.max_us());
  for (double q : {0.5, 0.95, 0.99}) {
    EXPECT_EQ(a.quantile_us(q), both.quantile_us(q));
    expect_within_error(a, samples, q);
  }
}

TEST(LatencyHistogram, NegativeLegsAreCountedAndKeptInMinAndMean) {
  LatencyHistogram h;
  h.record_us(-3000);
  h.record_us(5000);
  LatencySummary s = h.summary();
  EXPECT_EQ(s.negative, 1u);
  EXPECT_DOUBLE_EQ(s.min_ms, -3);
  EXPECT_DOUBLE_EQ(s.mean_ms(), 1);
  EXPECT_DOUBLE_EQ(s.max_ms, 5);
}

TEST(WindowedLatency, RecentForgetsSamplesOlderThanTheWindow) {
  WindowedLatency w(60'000, 6);
  w.record_us(1'000, 0);        // t = 0 s
  w.record_us(2'000, 30'000);   // t = 30 s
  w.record_us(3'000, 65'000);   // t = 65 s
  EXPECT_EQ(w.total().count(), 3u);
  EXPECT_EQ(w.recent(65'000).count(), 2u);   // 30 s and 65 s
  // The window moves by slices of 10 s: at 101 s the 30 s sample has left.
  EXPECT_EQ(w.recent(101'000).count(), 1u);  // 65 s only
  EXPECT_EQ(w.recent(200'000).count(), 0u);  // nothing recent; total keeps all
  EXPECT_EQ(w.total().count(), 3u);
  // A slot reused for a later period starts empty.
  w.record_us(4'000, 360'000);
  EXPECT_EQ(w.recent(360'000).count(), 1u);
  EXPECT_EQ(w.recent(360'000).max_us(), 4'000);
}

}  // namespace
}  // namespace continuum::node
