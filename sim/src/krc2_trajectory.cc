#include "continuum/sim/krc2_trajectory.h"

#include <cmath>
#include <numbers>

#include "continuum/sim/krc2_frame.h"

namespace continuum::sim {

static double clamp_axis(int axis_index, double deg) {
  const AxisRange& r = kAxisRanges[axis_index];
  return std::fmin(std::fmax(deg, r.min_deg), r.max_deg);
}

Trajectory::Trajectory(const TrajectoryConfig& config) : config_(config) {
  // With A4 = A5 = 0 the arm lies in a vertical plane; rotating that plane by
  // A1 (model angle theta about y) sends x to (cos, -sin) in the x-z plane, so
  // the plane contains the point for theta = atan2(-z, x). Controller angles
  // have the opposite sign.
  double theta = std::atan2(-config.point[2], config.point[0]);
  a1_toward_ = clamp_axis(0, -theta * 180.0 / std::numbers::pi);
  // A2/A3: the pose whose distance is nearest the requested closest
  // approach, on a 2-degree grid over the axis ranges, then a 0.1-degree grid
  // around the best coarse pose.
  double best = INFINITY;
  auto search = [&](double a2_from, double a2_to, double a3_from, double a3_to, double step) {
    for (double a2 = a2_from; a2 <= a2_to + 1e-9; a2 += step) {
      for (double a3 = a3_from; a3 <= a3_to + 1e-9; a3 += step) {
        double d = distance(tip_position({a1_toward_, a2, a3, 0, 0, 0}), config.point);
        if (std::fabs(d - config.closest_mm) < best) {
          best = std::fabs(d - config.closest_mm);
          a2_ = a2;
          a3_ = a3;
          approach_mm_ = d;
        }
      }
    }
  };
  search(-146, 0, -119, 155, 2);
  search(std::fmax(a2_ - 2, -146), std::fmin(a2_ + 2, 0), std::fmax(a3_ - 2, -119),
         std::fmin(a3_ + 2, 155), 0.1);
}

std::array<double, 7> Trajectory::angles(double t_s) const {
  double w = 2 * std::numbers::pi / config_.period_s;
  // Starts at the far end of the swing; the tip passes the point's azimuth at
  // a quarter and three quarters of each period.
  double a1 = clamp_axis(0, a1_toward_ + config_.swing_deg * std::cos(w * t_s));
  return {a1,
          a2_,
          a3_,
          clamp_axis(3, 15 * std::sin(w * t_s)),   // wrist roll: no effect on the tip at A5 = 0
          0,                                       // A5 held so the approach pose stays exact
          clamp_axis(5, 90 * std::sin(2 * w * t_s)),  // flange turns; not part of the tip
          500 + 400 * std::sin(w * t_s / 2)};      // the rail E1, in "degrees" units as sent
}

double Trajectory::distance_at(double t_s) const {
  auto a = angles(t_s);
  return distance(tip_position({a[0], a[1], a[2], a[3], a[4], a[5]}), config_.point);
}

}  // namespace continuum::sim
