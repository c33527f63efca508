// Several fields under one sky: a shared clock (simulated, may run faster
// than real time), shared rain events, and per field a SoilField, its probes
// and its pump. Deterministic for a given seed and sequence of advance() calls.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "continuum/sim/soil_model.h"
#include "continuum/sim/soil_sensor.h"

namespace continuum::sim {

struct RainParams {
  double events_per_day = 0.25;   // Poisson arrivals
  double mean_hours = 2;          // exponential duration
  double min_mm_per_h = 1, max_mm_per_h = 8;  // uniform intensity
};

struct SoilSimConfig {
  int fields = 3;
  int sensors_per_field = 2;      // at most kMaxSensorsPerField
  SoilParams soil;                // every field starts from these; moisture varies a little
  SensorFaults faults;
  RainParams rain;
  double start_hour = 6;          // hour of day at simulated time 0
  double sample_s = 10;           // simulated seconds between sensor readings
  uint64_t seed = 1;
};

inline constexpr int kMaxSensorsPerField = 8;

struct FieldStatus {
  double moisture = 0;                 // true theta, m3/m3
  std::vector<double> readings_pct;    // last probe readings, % vol
  unsigned stuck_mask = 0;             // bit s: probe s is stuck (ground truth)
  bool pump_on = false;
  SoilFluxes fluxes;
};

class SoilSimulator {
 public:
  explicit SoilSimulator(const SoilSimConfig& config);
  void advance(double dt_s);
  void set_pump(int field, bool on);

  double time_s() const { return time_s_; }
  double hour_of_day() const;
  double rain_mm_per_h() const { return rain_now_; }
  int field_count() const { return int(fields_.size()); }
  const FieldStatus& status(int field) const { return status_[size_t(field)]; }
  const SoilField& field(int i) const { return fields_[size_t(i)]; }
  // One line of JSON: time, hour, rain and per field moisture, readings, pump.
  std::string status_json() const;
  std::string status_line() const;

 private:
  void sample_sensors(double dt_s);

  SoilSimConfig config_;
  std::mt19937_64 weather_rng_;
  std::vector<SoilField> fields_;
  std::vector<std::vector<SoilSensor>> sensors_;
  std::vector<FieldStatus> status_;
  double time_s_ = 0;
  double next_rain_s_ = 0, rain_end_s_ = 0, rain_now_ = 0, rain_intensity_ = 0;
  double since_sample_s_ = 0;
};

}  // namespace continuum::sim
