#include "continuum/sim/soil_sensor.h"

#include <algorithm>
#include <cmath>

namespace continuum::sim {

SoilSensor::SoilSensor(const SensorFaults& faults, uint64_t seed) : faults_(faults), rng_(seed) {}

double SoilSensor::read(double theta, double dt_s) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  if (stuck_left_s_ > 0) {
    stuck_left_s_ -= dt_s;
    if (stuck_left_s_ > 0 && last_ >= 0) return last_;
  } else if (u(rng_) < faults_.stuck_per_day * dt_s / 86400.0) {
    std::exponential_distribution<double> length(1.0 / (faults_.stuck_hours * 3600.0));
    stuck_left_s_ = length(rng_);
    if (last_ >= 0) return last_;
  }
  std::normal_distribution<double> noise(0.0, faults_.noise_sd_pct);
  double value = theta * 100.0 + noise(rng_);
  if (u(rng_) < faults_.spike_probability) {
    value += (u(rng_) < 0.5 ? -1 : 1) * faults_.spike_pct * (0.4 + 0.6 * u(rng_));
    ++spikes_;
  }
  value = std::clamp(value, 0.0, 100.0);  // the probe's output range
  last_ = value;
  return value;
}

}  // namespace continuum::sim
