// Safety limits on their own: pump on-time per window, minimum off-time,
// the stop latch, and the spec parser.
#include <gtest/gtest.h>

#include "continuum/host/safety.h"

namespace continuum::host {
namespace {

constexpr int64_t kMs = 1000;

SafetyLimits pump_limits() {
  SafetyLimits s;
  std::string error;
  EXPECT_TRUE(s.add("pump:p:max_on=10000,window=60000,min_off=5000", &error)) << error;
  return s;
}

TEST(PumpLimit, SwitchesOffAtMaximumOnTime) {
  SafetyLimits s = pump_limits();
  EXPECT_EQ(s.request("p", 1, 0, 1), SafetyVerdict::Allow);
  EXPECT_TRUE(s.enforce(9999 * kMs).empty());
  auto forced = s.enforce(10000 * kMs);
  ASSERT_EQ(forced.size(), 1u);
  EXPECT_EQ(forced[0], "p");
  EXPECT_TRUE(s.enforce(10001 * kMs).empty());  // already off
}

TEST(PumpLimit, RefusesOnBeforeMinimumOffTime) {
  SafetyLimits s = pump_limits();
  EXPECT_EQ(s.request("p", 1, 0, 1), SafetyVerdict::Allow);
  EXPECT_EQ(s.request("p", 0, 2000 * kMs, 2), SafetyVerdict::Allow);  // off is always fine
  EXPECT_EQ(s.request("p", 1, 6999 * kMs, 3), SafetyVerdict::Refuse);
  EXPECT_EQ(s.request("p", 1, 7000 * kMs, 4), SafetyVerdict::Allow);
}

TEST(PumpLimit, OnTimeAddsUpAcrossRunsInOneWindow) {
  SafetyLimits s = pump_limits();
  EXPECT_EQ(s.request("p", 1, 0, 1), SafetyVerdict::Allow);
  EXPECT_EQ(s.request("p", 0, 6000 * kMs, 2), SafetyVerdict::Allow);     // 6 s used
  EXPECT_EQ(s.request("p", 1, 20000 * kMs, 3), SafetyVerdict::Allow);
  EXPECT_TRUE(s.enforce(23999 * kMs).empty());                              // 9.999 s
  EXPECT_EQ(s.enforce(24000 * kMs).size(), 1u);                            // 10 s
  EXPECT_EQ(s.request("p", 1, 40000 * kMs, 4), SafetyVerdict::Refuse);    // window used up
  EXPECT_EQ(s.request("p", 1, 60000 * kMs, 5), SafetyVerdict::Allow);     // next window
}

TEST(PumpLimit, FirstSwitchOnNeedsNoPriorOffTime) {
  SafetyLimits s = pump_limits();
  EXPECT_EQ(s.request("p", 1, 100 * kMs, 1), SafetyVerdict::Allow);
}

TEST(PumpLimit, OtherActuatorsAreNotLimited) {
  SafetyLimits s = pump_limits();
  EXPECT_EQ(s.request("valve", 1, 0, 1), SafetyVerdict::Allow);
  EXPECT_EQ(s.request("valve", 0, 1, 1), SafetyVerdict::Allow);
  EXPECT_EQ(s.request("valve", 1, 2, 1), SafetyVerdict::Allow);
}

TEST(StopLatch, CannotBeWithdrawnInTheCycleThatRaisedIt) {
  SafetyLimits s;
  std::string error;
  ASSERT_TRUE(s.add("stop:robot", &error));
  EXPECT_EQ(s.request("robot", 1, 0, 7), SafetyVerdict::Allow);
  EXPECT_EQ(s.request("robot", 0, 0, 7), SafetyVerdict::Refuse);
  EXPECT_EQ(s.request("robot", 1, 0, 8), SafetyVerdict::Allow);  // still raised; stays raised from cycle 7
  EXPECT_EQ(s.request("robot", 0, 0, 8), SafetyVerdict::Allow);
  EXPECT_EQ(s.request("robot", 0, 0, 8), SafetyVerdict::Allow);  // clearing a clear latch
}

TEST(SafetySpec, RejectsMalformedSpecs) {
  SafetyLimits s;
  std::string error;
  EXPECT_FALSE(s.add("pump:p", &error));
  EXPECT_FALSE(s.add("pump:p:max_on=10", &error));  // no window
  EXPECT_FALSE(s.add("pump:p:max_on=10,window=0", &error));
  EXPECT_FALSE(s.add("pump:p:max_on=x,window=10", &error));
  EXPECT_FALSE(s.add("pump:p:speed=1,window=10", &error));
  EXPECT_FALSE(s.add("stop:", &error));
  EXPECT_FALSE(s.add("valve:v", &error));
  EXPECT_TRUE(s.empty());
}

}  // namespace
}  // namespace continuum::host
