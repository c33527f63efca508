// collision-guard/c/guard.c: kinematics against closed forms, the stop and
// hysteresis rules, rounding.
#include <gtest/gtest.h>

#include <cmath>

extern "C" {
#include "guard.h"
}

namespace {

constexpr int64_t kDeg = 100000;  // wire units per degree

TEST(Guard, ZeroPoseTipIsTheStretchedArm) {
  const int64_t zero[6] = {0, 0, 0, 0, 0, 0};
  double tip[3];
  guard_tip(zero, tip);
  EXPECT_NEAR(tip[0], 350 + 1250 + 1100 + 230, 1e-9);
  EXPECT_NEAR(tip[1], 750, 1e-9);
  EXPECT_NEAR(tip[2], 0, 1e-9);
}

TEST(Guard, A1TurnsTheArmAboutTheVerticalAxisAgainstTheControllerSense) {
  // Controller +30 degrees = model -30 degrees about y: x' = x cos, z' = x sin(30).
  for (double deg : {30.0, -75.5, 170.0}) {
    const int64_t pose[6] = {static_cast<int64_t>(deg * kDeg), 0, 0, 0, 0, 0};
    double tip[3];
    guard_tip(pose, tip);
    double a = -deg * M_PI / 180.0;
    EXPECT_NEAR(tip[0], 2930 * std::cos(a), 1e-9) << deg;
    EXPECT_NEAR(tip[1], 750, 1e-9);
    EXPECT_NEAR(tip[2], -2930 * std::sin(a), 1e-9) << deg;
  }
}

TEST(Guard, FoldedArmMatchesThePrototypeFigure) {
  // A2 -90, A3 +90 (the demo's "arm folded up"): 1499 mm from the prototype's point.
  const int64_t pose[6] = {0, -90 * kDeg, 90 * kDeg, 0, 0, 0};
  GuardConfig config;
  guard_default_config(&config);
  Guard guard;
  guard_init(&guard, &config);
  GuardReading r;
  guard_step(&guard, pose, &r);
  EXPECT_NEAR(r.tip[0], 1680, 1e-9);
  EXPECT_NEAR(r.tip[1], 2000, 1e-9);
  EXPECT_NEAR(r.tip[2], 0, 1e-9);
  EXPECT_NEAR(r.min_distance, 1499, 1e-9);
  EXPECT_TRUE(r.stop);
  EXPECT_TRUE(r.unsafe);
}

TEST(Guard, A4TwistsOnlyWhatLiesOffItsAxis) {
  // With A5 at 90 degrees the tip link sticks out sideways, so A4 moves it.
  const int64_t bent[6] = {0, 0, 0, 0, 90 * kDeg, 0};
  const int64_t twisted[6] = {0, 0, 0, 90 * kDeg, 90 * kDeg, 0};
  double a[3], b[3];
  guard_tip(bent, a);
  guard_tip(twisted, b);
  EXPECT_NEAR(a[0], 2700, 1e-9);
  EXPECT_NEAR(a[1], 750 - 230, 1e-9);
  EXPECT_NEAR(b[1], 750, 1e-9);
  EXPECT_NEAR(std::fabs(b[2]), 230, 1e-9);
}

TEST(Guard, StopsWhenFallingBelowAndHoldsUnsafeInTheBand) {
  // One point at the zero-pose tip; turning A1 by t degrees puts the tip at the
  // chord 2 * 2930 * sin(t / 2): 100 mm at 1.955 degrees, 150 mm at 2.933.
  GuardConfig config;
  config.point_count = 1;
  config.points[0][0] = 2930;
  config.points[0][1] = 750;
  config.points[0][2] = 0;
  config.safety_mm = 100;
  config.hysteresis_mm = 50;
  Guard guard;
  guard_init(&guard, &config);
  const double a1[] = {5.0, 1.0, 0.5, 2.2, 1.0, 3.0, 1.0};
  const int stop[] = {0, 1, 0, 0, 1, 0, 1};
  const int unsafe[] = {0, 1, 1, 1, 1, 0, 1};
  for (int i = 0; i < 7; ++i) {
    const int64_t pose[6] = {static_cast<int64_t>(a1[i] * kDeg), 0, 0, 0, 0, 0};
    GuardReading r;
    guard_step(&guard, pose, &r);
    EXPECT_NEAR(r.min_distance, 2 * 2930 * std::sin(a1[i] * M_PI / 360.0), 1e-9);
    EXPECT_EQ(r.stop, stop[i]) << "step " << i;
    EXPECT_EQ(r.unsafe, unsafe[i]) << "step " << i;
  }
}

TEST(Guard, NearestOfSeveralPoints) {
  GuardConfig config;
  guard_default_config(&config);
  config.point_count = 3;
  const double points[3][3] = {{0, 0, 0}, {2930, 750, 10}, {2930, 0, 0}};
  for (int p = 0; p < 3; ++p)
    for (int i = 0; i < 3; ++i) config.points[p][i] = points[p][i];
  Guard guard;
  guard_init(&guard, &config);
  const int64_t zero[6] = {0, 0, 0, 0, 0, 0};
  GuardReading r;
  guard_step(&guard, zero, &r);
  EXPECT_EQ(r.nearest, 1);
  EXPECT_NEAR(r.distance[1], 10, 1e-9);
  EXPECT_NEAR(r.distance[2], 750, 1e-9);
}

TEST(Guard, RoundsHalfUpLikeTheRustAndAssemblyScriptBuilds) {
  EXPECT_EQ(guard_round(0.5), 1);
  EXPECT_EQ(guard_round(-0.5), 0);
  EXPECT_EQ(guard_round(-1.5), -1);
  EXPECT_EQ(guard_round(-1.51), -2);
  EXPECT_EQ(guard_round(2.4999), 2);
  EXPECT_EQ(guard_round(14999.0), 14999);
}

}  // namespace
