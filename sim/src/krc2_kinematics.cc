#include "continuum/sim/krc2_kinematics.h"

#include <cmath>
#include <numbers>

namespace continuum::sim {
namespace {

using Mat4 = std::array<std::array<double, 4>, 4>;

// Translation by the link offset, then rotation by `radians` about `axis`
// (0 = x, 1 = y, 2 = z).
Mat4 joint(double dx, double dy, double dz, int axis, double radians) {
  Mat4 m{};
  for (int i = 0; i < 4; ++i) m[i][i] = 1.0;
  double s = std::sin(radians), c = std::cos(radians);
  int a = (axis + 1) % 3, b = (axis + 2) % 3;  // the plane the rotation turns
  m[a][a] = c;
  m[a][b] = -s;
  m[b][a] = s;
  m[b][b] = c;
  m[0][3] = dx;
  m[1][3] = dy;
  m[2][3] = dz;
  return m;
}

Mat4 multiply(const Mat4& x, const Mat4& y) {
  Mat4 r{};
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 4; ++k) r[i][j] += x[i][k] * y[k][j];
  return r;
}

}  // namespace

Vec3 tip_position(const std::array<double, 6>& a1_a6) {
  std::array<double, 6> rad;
  // The controller reports the opposite rotation sense to the model.
  for (int i = 0; i < 6; ++i) rad[i] = -a1_a6[i] * std::numbers::pi / 180.0;
  Mat4 t = joint(0, 0, 0, 1, rad[0]);
  t = multiply(t, joint(350, 750, 0, 2, rad[1]));
  t = multiply(t, joint(1250, 0, 0, 2, rad[2]));
  t = multiply(t, joint(1100, 0, 0, 0, rad[3]));
  t = multiply(t, joint(0, 0, 0, 2, rad[4]));  // A5 shares A4's origin
  t = multiply(t, joint(230, 0, 0, 0, 0.0));   // the tip; A6 only turns the flange
  return {t[0][3], t[1][3], t[2][3]};
}

double distance(const Vec3& a, const Vec3& b) {
  double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
  return std::sqrt(dx * dx + dy * dy + dz * dz);
}

}  // namespace continuum::sim
