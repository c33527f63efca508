// irrigation-control/irrigation.c: hysteresis, run limit and rest, sensor faults.
#include <gtest/gtest.h>

#include <cmath>

extern "C" {
#include "irrigation.h"
}

namespace {

struct Zone {
  Irrigation irr;
  explicit Zone(int sensors = 1) {
    IrrigationConfig c;
    irrigation_default_config(&c);  // low 25, high 35, max run 15 min, rest 30 min
    c.sensor_count = sensors;
    irrigation_init(&irr, &c);
  }
  IrrigationDecision step(int64_t minute, double a, double b = NAN, bool have_b = false) {
    double values[2] = {a, b};
    int have[2] = {1, have_b};
    IrrigationDecision d;
    irrigation_step(&irr, minute * 60000, values, have, &d);
    return d;
  }
};

TEST(Irrigation, HysteresisBetweenLowAndHigh) {
  Zone z;
  const double moisture[] = {30, 24.9, 30, 35, 35.1, 30, 24};
  const int on[] = {0, 1, 1, 1, 0, 0, 1};
  const PumpReason reason[] = {REASON_IDLE, REASON_BELOW_LOW, REASON_WATERING, REASON_WATERING,
                               REASON_ABOVE_HIGH, REASON_IDLE, REASON_BELOW_LOW};
  for (int i = 0; i < 7; ++i) {
    IrrigationDecision d = z.step(i, moisture[i]);
    EXPECT_EQ(d.pump_on, on[i]) << i;
    EXPECT_EQ(d.reason, reason[i]) << i;
    EXPECT_EQ(d.changed, i > 0 && on[i] != on[i - 1]) << i;
  }
}

TEST(Irrigation, MaximumRunThenRest) {
  Zone z;
  EXPECT_TRUE(z.step(0, 20).pump_on);
  IrrigationDecision d = z.step(14, 20);
  EXPECT_TRUE(d.pump_on);
  EXPECT_EQ(d.on_for_ms, 14 * 60000);
  d = z.step(15, 20);
  EXPECT_FALSE(d.pump_on);
  EXPECT_EQ(d.reason, REASON_MAX_RUN);
  d = z.step(44, 20);
  EXPECT_FALSE(d.pump_on);
  EXPECT_EQ(d.reason, REASON_RESTING);
  d = z.step(45, 20);
  EXPECT_TRUE(d.pump_on) << "rest over at 15 + 30 minutes";
}

TEST(Irrigation, DrySensorIsSuspectThenFaultedAndNeverUsed) {
  Zone z(2);
  IrrigationDecision d = z.step(0, 30, 1.0, true);
  EXPECT_EQ(d.status[1], SENSOR_SUSPECT);
  EXPECT_EQ(d.valid_count, 1);
  EXPECT_DOUBLE_EQ(d.control, 30);
  EXPECT_FALSE(d.pump_on) << "a dry reading alone must not start the pump";
  EXPECT_EQ(z.step(1, 30, 0.0, true).status[1], SENSOR_SUSPECT);
  EXPECT_EQ(z.step(2, 30, 0.5, true).status[1], SENSOR_FAULTED);
  EXPECT_EQ(z.step(3, 30, 0.5, true).status[1], SENSOR_FAULTED);
  d = z.step(4, 30, 28, true);
  EXPECT_EQ(d.status[1], SENSOR_OK) << "a plausible reading clears the fault";
  EXPECT_DOUBLE_EQ(d.control, 29);
}

TEST(Irrigation, NoUsableSensorSwitchesOff) {
  Zone z(2);
  EXPECT_TRUE(z.step(0, 20, 20, true).pump_on);
  IrrigationDecision d = z.step(1, 150, NAN, true);
  EXPECT_EQ(d.status[0], SENSOR_RANGE);
  EXPECT_EQ(d.status[1], SENSOR_RANGE) << "NaN is not a moisture value";
  EXPECT_FALSE(d.pump_on);
  EXPECT_EQ(d.reason, REASON_NO_VALID_SENSOR);
  EXPECT_EQ(z.step(2, 20, 0, false).status[1], SENSOR_MISSING);
}

TEST(Irrigation, RefusedSwitchLeavesThePumpOff) {
  Zone z;
  IrrigationDecision d = z.step(0, 20);
  ASSERT_TRUE(d.pump_on);
  irrigation_pump_refused(&z.irr, &d);
  EXPECT_FALSE(d.pump_on);
  EXPECT_STREQ(irrigation_reason_name(d.reason), "refused");
  EXPECT_TRUE(z.step(1, 20).changed) << "tries again next tick";
}

}  // namespace
