// A repeating robot motion that brings the tip near a point of interest once
// per half period: A1 swings the arm around the vertical axis through the
// point's azimuth while the other axes hold an approach pose (with small
// wrist motions for realism).
#pragma once

#include <array>

#include "continuum/sim/krc2_kinematics.h"

namespace continuum::sim {

struct TrajectoryConfig {
  Vec3 point{1680, 2000, 1499};  // mm, the point the tip approaches (krc2.md default)
  double closest_mm = 900;       // distance of closest approach the pose aims for (+-5 mm)
  double period_s = 20;          // one full swing out and back
  double swing_deg = 60;         // A1 amplitude around the point's azimuth
};

class Trajectory {
 public:
  explicit Trajectory(const TrajectoryConfig& config);
  // Controller angles A1..A6 (degrees) and E1 at time t (seconds).
  std::array<double, 7> angles(double t_s) const;
  // The tip's distance to the point at time t.
  double distance_at(double t_s) const;
  double approach_distance() const { return approach_mm_; }

 private:
  TrajectoryConfig config_;
  double a1_toward_ = 0, a2_ = 0, a3_ = 0;  // the approach pose
  double approach_mm_ = 0;                  // its distance to the point
};

}  // namespace continuum::sim
