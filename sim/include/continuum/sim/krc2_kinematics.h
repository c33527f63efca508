// Tip position of the KR 150-2 from its axis angles, with the prototype's
// model (../shared/design/krc2.md): controller angles are negated, A1 turns
// about the vertical y axis, A2/A3/A5 about z, A4 about x; link offsets in mm.
// The collision-guard module carries its own C version of the same model.
#pragma once

#include <array>

namespace continuum::sim {

using Vec3 = std::array<double, 3>;

// a1_a6: controller angles in degrees (as on the wire). Returns mm.
Vec3 tip_position(const std::array<double, 6>& a1_a6);
double distance(const Vec3& a, const Vec3& b);

}  // namespace continuum::sim
