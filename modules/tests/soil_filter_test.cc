// soil-filter/soil_filter.c: averages, anomaly rules, level shifts, windows.
#include <gtest/gtest.h>

extern "C" {
#include "soil_filter.h"
}

namespace {

struct Channel {
  Filter f;
  Channel() {
    FilterConfig c;
    filter_default_config(&c);  // alpha 0.2, window 12, min history 5, 10-minute windows
    filter_init(&f, &c);
  }
  FilterSample add(int64_t minute, double x) {
    FilterSample s;
    filter_add(&f, minute * 60000, x, &s);
    return s;
  }
};

TEST(SoilFilter, AveragesBeforeTheDetectorHasHistory) {
  Channel ch;
  FilterSample s = ch.add(0, 30);
  EXPECT_DOUBLE_EQ(s.ema, 30);
  s = ch.add(1, 35);
  EXPECT_DOUBLE_EQ(s.ema, 0.2 * 35 + 0.8 * 30);
  EXPECT_DOUBLE_EQ(s.moving_average, 32.5);
  EXPECT_FALSE(s.outlier) << "no judgement before min_history samples";
}

TEST(SoilFilter, SpikeIsFlaggedAndLeavesTheAveragesAlone) {
  Channel ch;
  const double base[] = {30.0, 30.2, 29.9, 30.1, 30.0, 29.8};
  FilterSample s;
  for (int i = 0; i < 6; ++i) s = ch.add(i, base[i]);
  FilterSample spike = ch.add(6, 45);
  EXPECT_TRUE(spike.outlier);
  EXPECT_GT(spike.z, 3);
  EXPECT_GT(spike.robust_z, 3.5);
  EXPECT_DOUBLE_EQ(spike.ema, s.ema);
  EXPECT_DOUBLE_EQ(spike.moving_average, s.moving_average);
  FilterSample next = ch.add(7, 30.1);
  EXPECT_FALSE(next.outlier);
}

TEST(SoilFilter, RobustRuleCatchesWhatTheSpreadHides) {
  // A history with one earlier wild value inflates sd (z stays small) but not
  // the median and MAD.
  Channel ch;
  FilterConfig c = ch.f.config;
  c.min_spread = 0.01;
  c.min_history = 6;
  filter_init(&ch.f, &c);
  const double history[] = {30, 30.1, 29.9, 30, 30.1, 29.9};
  for (int i = 0; i < 6; ++i) ch.add(i, history[i]);
  ch.f.history[0] = 40;  // as if an old value had slipped through
  FilterSample s = ch.add(6, 31);
  EXPECT_LT(s.z, 3);
  EXPECT_GT(s.robust_z, 3.5);
  EXPECT_TRUE(s.outlier);
}

TEST(SoilFilter, SustainedStepIsALevelShift) {
  Channel ch;
  for (int i = 0; i < 8; ++i) ch.add(i, 30 + 0.1 * (i % 2));
  EXPECT_TRUE(ch.add(8, 38).outlier);
  EXPECT_TRUE(ch.add(9, 38.1).outlier);
  FilterSample s = ch.add(10, 38.2);
  EXPECT_FALSE(s.outlier);
  EXPECT_TRUE(s.level_shift);
  EXPECT_DOUBLE_EQ(s.moving_average, (38 + 38.1 + 38.2) / 3);
  EXPECT_FALSE(ch.add(11, 38.1).outlier) << "the new level is normal now";
}

TEST(SoilFilter, WindowsAggregateAcceptedSamplesAndCountOutliers) {
  Channel ch;
  const double values[] = {30, 31, 29, 30, 30.5, 60, 30};  // minutes 0..6, one spike
  for (int i = 0; i < 7; ++i) {
    FilterAggregate a;
    EXPECT_FALSE(filter_close_window(&ch.f, i * 60000, &a));
    ch.add(i, values[i]);
  }
  FilterAggregate a;
  EXPECT_FALSE(filter_close_window(&ch.f, 9 * 60000 + 59999, &a));
  ASSERT_TRUE(filter_close_window(&ch.f, 10 * 60000, &a));
  EXPECT_EQ(a.start_ms, 0);
  EXPECT_EQ(a.end_ms, 600000);
  EXPECT_EQ(a.count, 6);
  EXPECT_EQ(a.outliers, 1);
  EXPECT_DOUBLE_EQ(a.min, 29);
  EXPECT_DOUBLE_EQ(a.max, 31);
  EXPECT_DOUBLE_EQ(a.mean, (30 + 31 + 29 + 30 + 30.5 + 30) / 6);
  EXPECT_FALSE(filter_close_window(&ch.f, 25 * 60000, &a)) << "an empty window is not reported";
}

TEST(SoilFilter, LevelShiftAcrossWindowsLeavesTheClosedWindowAlone) {
  Channel ch;
  for (int i = 0; i < 8; ++i) ch.add(i, 30 + 0.1 * (i % 2));
  EXPECT_TRUE(ch.add(8, 38).outlier);
  EXPECT_TRUE(ch.add(9, 38.1).outlier);
  FilterAggregate first;
  ASSERT_TRUE(filter_close_window(&ch.f, 10 * 60000, &first));
  EXPECT_EQ(first.count, 8);
  EXPECT_EQ(first.outliers, 2);
  FilterSample s = ch.add(10, 38.2);
  EXPECT_TRUE(s.level_shift);
  EXPECT_DOUBLE_EQ(s.moving_average, (38 + 38.1 + 38.2) / 3) << "the history restarts from all";
  FilterAggregate second;
  ASSERT_TRUE(filter_close_window(&ch.f, 20 * 60000, &second));
  EXPECT_EQ(second.count, 1) << "only the sample of this window";
  EXPECT_EQ(second.outliers, 0);
  EXPECT_DOUBLE_EQ(second.min, 38.2);
}

}  // namespace
