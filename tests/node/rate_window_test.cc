// RateWindow with an injected clock: rates over the last 10 s, not since start.
#include <gtest/gtest.h>

#include "rate_window.h"

namespace continuum::node::agent {
namespace {

TEST(RateWindow, SteadyRateReadsAsItIs) {
  int64_t now = 0;
  RateWindow w(10, [&] { return now; });
  for (; now < 20000; now += 100) w.add();  // 10 per second for 20 s
  EXPECT_DOUBLE_EQ(w.per_second(), 10.0);
  EXPECT_EQ(w.window_s(), 10);
}

TEST(RateWindow, ForgetsWhatLeftTheWindow) {
  int64_t now = 0;
  RateWindow w(10, [&] { return now; });
  for (; now < 30000; now += 10) w.add();  // 100/s for 30 s
  EXPECT_DOUBLE_EQ(w.per_second(), 100.0);
  // Then 5/s: after a whole window only the new rate is left (a since-start
  // average would still read about 80/s here).
  for (; now < 40000; now += 200) w.add();
  EXPECT_DOUBLE_EQ(w.per_second(), 5.0);
  // Silence: the rate falls to 0 once the window has passed.
  now += 10000;
  EXPECT_DOUBLE_EQ(w.per_second(), 0.0);
}

TEST(RateWindow, YoungWindowDividesByTheTimeItCovers) {
  int64_t now = 5000;  // the clock does not start at 0
  RateWindow w(10, [&] { return now; });
  for (int i = 0; i < 4; ++i, now += 500) w.add(3);  // 12 events in 2 s
  EXPECT_DOUBLE_EQ(w.per_second(), 6.0);
  // A burst right after the start counts over at least one second.
  RateWindow burst(10, [&] { return now; });
  burst.add(50);
  EXPECT_DOUBLE_EQ(burst.per_second(), 50.0);
}

TEST(RateWindow, PartialCurrentSecondCounts) {
  int64_t now = 0;
  RateWindow w(10, [&] { return now; });
  now = 20000;
  w.add(0);
  // Window at 25.5 s: seconds 16..25 -> [16000, 25500] = 9.5 s.
  for (now = 16000; now <= 25500; now += 500) w.add();  // 20 events
  now = 25500;
  EXPECT_DOUBLE_EQ(w.per_second(), 20 / 9.5);
}

}  // namespace
}  // namespace continuum::node::agent
