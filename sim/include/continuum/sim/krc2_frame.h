// The KR C2 serial frame (../shared/design/krc2.md): 9 bytes per axis, seven
// axes per cycle (A1..A6, E1). Encoder for the simulator and a resynchronising
// decoder for tests and tools; the node itself decodes in the krc2-decode module.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace continuum::sim {

inline constexpr size_t kFrameBytes = 9;
inline constexpr int kAxisCount = 7;          // A1..A6 and the rail E1 (axis 7)
inline constexpr double kUnitsPerDegree = 1e5;  // angles travel in 1/100000 degree

// Valid range of A1..A6 in degrees (E1 is unchecked).
struct AxisRange {
  double min_deg, max_deg;
};
inline constexpr std::array<AxisRange, 6> kAxisRanges = {{
    {-185, 185}, {-146, 0}, {-119, 155}, {-350, 350}, {-125, 125}, {-350, 350}}};

bool in_range(int axis, double degrees);  // axis 1..7

// Angle in 1/100000 degree, rounded to nearest.
std::array<uint8_t, kFrameBytes> encode_frame(int axis, int64_t units);
int64_t degrees_to_units(double degrees);

// One complete cycle, A1..E1 in order.
struct Cycle {
  std::array<int64_t, kAxisCount> units{};  // 1/100000 degree
  bool in_range = true;                      // false: a value outside its axis range
  double degrees(int axis_index) const { return units[axis_index] / kUnitsPerDegree; }
};

// Feeds bytes in, hands complete cycles out. A window whose axis number is not
// 1..7 or whose sign byte is not 0/1 costs one byte (resynchronisation); a frame
// out of order drops the cycle being assembled, as the prototype did.
class FrameDecoder {
 public:
  void push(const uint8_t* data, size_t len, std::vector<Cycle>& out);

  uint64_t frames() const { return frames_; }
  uint64_t skipped_bytes() const { return skipped_bytes_; }
  uint64_t dropped_cycles() const { return dropped_cycles_; }
  uint64_t out_of_range_cycles() const { return out_of_range_cycles_; }

 private:
  std::vector<uint8_t> pending_;
  Cycle cycle_;
  int next_axis_ = 1;  // the axis the cycle being assembled expects next
  uint64_t frames_ = 0, skipped_bytes_ = 0, dropped_cycles_ = 0, out_of_range_cycles_ = 0;
};

}  // namespace continuum::sim
