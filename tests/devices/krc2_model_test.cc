// Frame coding and the simulator's kinematics and trajectory, checked against
// the collision-guard module's own C implementation of the same model.
#include <gtest/gtest.h>

#include <cmath>

#include "continuum/sim/krc2_frame.h"
#include "continuum/sim/krc2_kinematics.h"
#include "continuum/sim/krc2_trajectory.h"

extern "C" {
#include "guard.h"
}

namespace continuum::sim {
namespace {

TEST(Krc2Frame, EncodesTheWireLayout) {
  auto f = encode_frame(3, degrees_to_units(-12.5));
  const uint8_t expected[9] = {3, 0, 0, 0, 1, 0xD0, 0x12, 0x13, 0x00};  // 1250000 = 0x1312D0
  for (int i = 0; i < 9; ++i) EXPECT_EQ(f[i], expected[i]) << i;
}

TEST(Krc2Frame, DecoderResynchronisesAfterNoiseAndLoss) {
  std::vector<uint8_t> wire;
  auto add_cycle = [&](double base) {
    for (int axis = 1; axis <= 7; ++axis) {
      auto f = encode_frame(axis, degrees_to_units(-(base + axis)));  // A2 must be <= 0
      wire.insert(wire.end(), f.begin(), f.end());
    }
  };
  add_cycle(10);
  wire.push_back(0xAA);  // noise between cycles
  wire.push_back(0x55);
  add_cycle(20);
  size_t lose = wire.size() + 20;  // a byte inside the third cycle's A3 frame
  add_cycle(30);
  wire.erase(wire.begin() + long(lose));
  add_cycle(40);
  auto bad = encode_frame(2, degrees_to_units(-200));  // A2 out of range
  add_cycle(50);
  std::copy(bad.begin(), bad.end(), wire.end() - 6 * 9);

  FrameDecoder decoder;
  std::vector<Cycle> cycles;
  for (uint8_t byte : wire) decoder.push(&byte, 1, cycles);  // byte by byte, as a slow line delivers
  ASSERT_EQ(cycles.size(), 4u);  // the damaged third cycle is dropped
  EXPECT_NEAR(cycles[0].degrees(0), -11, 1e-9);
  EXPECT_NEAR(cycles[1].degrees(6), -27, 1e-9);
  EXPECT_NEAR(cycles[2].degrees(0), -41, 1e-9);
  EXPECT_TRUE(cycles[2].in_range);
  EXPECT_FALSE(cycles[3].in_range);
  EXPECT_EQ(decoder.dropped_cycles(), 1u);
  EXPECT_EQ(decoder.out_of_range_cycles(), 1u);
  EXPECT_GE(decoder.skipped_bytes(), 2u);
}

TEST(Krc2Kinematics, AgreesWithTheCollisionGuardModule) {
  const double poses[][6] = {{0, 0, 0, 0, 0, 0},      {30, -45, 60, 10, 20, 0},
                             {-120, -90, 100, -200, -100, 300}, {185, -146, 155, 350, 125, -350}};
  for (const auto& p : poses) {
    int64_t units[6];
    for (int i = 0; i < 6; ++i) units[i] = degrees_to_units(p[i]);
    double guard[3];
    guard_tip(units, guard);
    Vec3 tip = tip_position({p[0], p[1], p[2], p[3], p[4], p[5]});
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(tip[i], guard[i], 1e-6);
  }
  // Everything at zero: the arm stretched along x, lifted by the A2 offset.
  Vec3 zero = tip_position({0, 0, 0, 0, 0, 0});
  EXPECT_NEAR(zero[0], 350 + 1250 + 1100 + 230, 1e-9);
  EXPECT_NEAR(zero[1], 750, 1e-9);
  EXPECT_NEAR(zero[2], 0, 1e-9);
}

TEST(Krc2Trajectory, ApproachesThePointTwicePerPeriodWithinRange) {
  TrajectoryConfig config;
  config.period_s = 10;
  config.closest_mm = 900;
  Trajectory trajectory(config);
  EXPECT_NEAR(trajectory.approach_distance(), 900, 5);
  EXPECT_GT(trajectory.distance_at(0), 1500);  // starts far
  EXPECT_NEAR(trajectory.distance_at(2.5), trajectory.approach_distance(), 1e-6);
  EXPECT_NEAR(trajectory.distance_at(7.5), trajectory.approach_distance(), 1e-6);
  EXPECT_GT(trajectory.distance_at(5), 1500);
  for (double t = 0; t < 20; t += 0.01) {
    auto a = trajectory.angles(t);
    for (int axis = 1; axis <= 6; ++axis) ASSERT_TRUE(in_range(axis, a[axis - 1])) << t;
    ASSERT_GE(trajectory.distance_at(t), trajectory.approach_distance() - 1e-6);
  }
}

}  // namespace
}  // namespace continuum::sim
