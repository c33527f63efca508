// A capacitive soil-moisture probe: the true moisture plus Gaussian noise,
// occasional single-reading spikes, and episodes where it sticks at its last
// value (a failing probe or a frozen ADC).
#pragma once

#include <random>

namespace continuum::sim {

struct SensorFaults {
  double noise_sd_pct = 0.4;         // standard deviation, % volumetric
  double spike_probability = 0.002;  // per reading
  double spike_pct = 25;             // a spike adds or subtracts up to this, % vol
  double stuck_per_day = 0.2;        // expected starts of a stuck episode per simulated day
  double stuck_hours = 3;            // mean length of an episode (exponential)
};

class SoilSensor {
 public:
  SoilSensor(const SensorFaults& faults, uint64_t seed);
  // A reading in % volumetric (0..100) of true moisture theta (m3/m3), dt_s
  // simulated seconds after the previous one.
  double read(double theta, double dt_s);
  bool stuck() const { return stuck_left_s_ > 0; }
  uint64_t spikes() const { return spikes_; }

 private:
  SensorFaults faults_;
  std::mt19937_64 rng_;
  double last_ = -1;
  double stuck_left_s_ = 0;
  uint64_t spikes_ = 0;
};

}  // namespace continuum::sim
