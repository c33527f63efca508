#include "continuum/sim/krc2_frame.h"

#include <cmath>

namespace continuum::sim {

bool in_range(int axis, double degrees) {
  if (axis < 1 || axis > kAxisCount) return false;
  if (axis == kAxisCount) return true;  // the rail is not range-checked
  const AxisRange& r = kAxisRanges[axis - 1];
  return degrees >= r.min_deg && degrees <= r.max_deg;
}

int64_t degrees_to_units(double degrees) { return std::llround(degrees * kUnitsPerDegree); }

static void put_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

std::array<uint8_t, kFrameBytes> encode_frame(int axis, int64_t units) {
  std::array<uint8_t, kFrameBytes> f{};
  put_u32(f.data(), static_cast<uint32_t>(axis));
  f[4] = units < 0 ? 1 : 0;
  uint64_t magnitude = static_cast<uint64_t>(units < 0 ? -units : units);
  put_u32(f.data() + 5, static_cast<uint32_t>(magnitude > 0xFFFFFFFFu ? 0xFFFFFFFFu : magnitude));
  return f;
}

void FrameDecoder::push(const uint8_t* data, size_t len, std::vector<Cycle>& out) {
  pending_.insert(pending_.end(), data, data + len);
  size_t pos = 0;
  while (pending_.size() - pos >= kFrameBytes) {
    const uint8_t* f = pending_.data() + pos;
    uint32_t axis = get_u32(f);
    if (axis < 1 || axis > uint32_t(kAxisCount) || f[4] > 1) {
      ++pos;  // not a frame boundary: slide by one byte
      ++skipped_bytes_;
      continue;
    }
    pos += kFrameBytes;
    ++frames_;
    if (axis == 1) {
      if (next_axis_ != 1) ++dropped_cycles_;  // the previous cycle never completed
      cycle_ = Cycle{};
    } else if (int(axis) != next_axis_) {
      if (next_axis_ != 1) ++dropped_cycles_;
      next_axis_ = 1;  // wait for the next A1
      continue;
    }
    int64_t magnitude = get_u32(f + 5);
    int64_t units = f[4] ? -magnitude : magnitude;
    cycle_.units[axis - 1] = units;
    if (!in_range(int(axis), units / kUnitsPerDegree)) cycle_.in_range = false;
    next_axis_ = int(axis) + 1;
    if (next_axis_ > kAxisCount) {
      if (!cycle_.in_range) ++out_of_range_cycles_;
      out.push_back(cycle_);
      next_axis_ = 1;
    }
  }
  pending_.erase(pending_.begin(), pending_.begin() + pos);
}

}  // namespace continuum::sim
