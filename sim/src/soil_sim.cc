#include "continuum/sim/soil_sim.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace continuum::sim {

SoilSimulator::SoilSimulator(const SoilSimConfig& config)
    : config_(config), weather_rng_(config.seed) {
  config_.sensors_per_field = std::clamp(config_.sensors_per_field, 1, kMaxSensorsPerField);
  std::uniform_real_distribution<double> spread(-0.02, 0.02);
  for (int f = 0; f < config_.fields; ++f) {
    SoilParams p = config_.soil;
    p.initial_moisture += spread(weather_rng_);  // fields do not start identical
    fields_.emplace_back(p);
    std::vector<SoilSensor> probes;
    for (int s = 0; s < config_.sensors_per_field; ++s)
      probes.emplace_back(config_.faults, config_.seed * 1000003u + uint64_t(f) * 101u + uint64_t(s));
    sensors_.push_back(std::move(probes));
    status_.push_back(FieldStatus{fields_.back().moisture(),
                                  std::vector<double>(size_t(config_.sensors_per_field), 0.0), 0, false, {}});
  }
  std::exponential_distribution<double> gap(config_.rain.events_per_day / 86400.0);
  next_rain_s_ = config_.rain.events_per_day > 0 ? gap(weather_rng_) : INFINITY;
  sample_sensors(0);
}

double SoilSimulator::hour_of_day() const {
  return std::fmod(config_.start_hour + time_s_ / 3600.0, 24.0);
}

void SoilSimulator::set_pump(int field, bool on) {
  if (field >= 0 && field < field_count()) status_[size_t(field)].pump_on = on;
}

void SoilSimulator::advance(double dt_s) {
  // Steps end at rain boundaries and sensor samples, so both are exact.
  while (dt_s > 0) {
    double step = std::min(dt_s, config_.sample_s - since_sample_s_);
    if (time_s_ < next_rain_s_) step = std::min(step, next_rain_s_ - time_s_);
    if (rain_now_ > 0) step = std::min(step, rain_end_s_ - time_s_);
    step = std::max(step, 1e-6);
    double hour = hour_of_day();
    for (size_t f = 0; f < fields_.size(); ++f)
      fields_[f].step(step, hour, status_[f].pump_on, rain_now_);
    time_s_ += step;
    dt_s -= step;
    since_sample_s_ += step;
    if (rain_now_ > 0 && time_s_ >= rain_end_s_) rain_now_ = 0;
    if (time_s_ >= next_rain_s_) {
      std::uniform_real_distribution<double> intensity(config_.rain.min_mm_per_h, config_.rain.max_mm_per_h);
      std::exponential_distribution<double> length(1.0 / (config_.rain.mean_hours * 3600.0));
      std::exponential_distribution<double> gap(config_.rain.events_per_day / 86400.0);
      rain_now_ = intensity(weather_rng_);
      rain_end_s_ = time_s_ + length(weather_rng_);
      next_rain_s_ = rain_end_s_ + gap(weather_rng_);
    }
    if (since_sample_s_ >= config_.sample_s) {
      sample_sensors(since_sample_s_);
      since_sample_s_ = 0;
    }
  }
}

void SoilSimulator::sample_sensors(double dt_s) {
  for (size_t f = 0; f < fields_.size(); ++f) {
    FieldStatus& st = status_[f];
    st.moisture = fields_[f].moisture();
    st.fluxes = fields_[f].fluxes();
    st.stuck_mask = 0;
    for (size_t s = 0; s < sensors_[f].size(); ++s) {
      st.readings_pct[s] = sensors_[f][s].read(st.moisture, dt_s);
      if (sensors_[f][s].stuck()) st.stuck_mask |= 1u << s;
    }
  }
}

std::string SoilSimulator::status_json() const {
  std::string out;
  char buf[160];
  snprintf(buf, sizeof buf, "{\"t_s\":%.0f,\"hour\":%.2f,\"rain_mm_h\":%.2f,\"fields\":[", time_s_,
           hour_of_day(), rain_now_);
  out += buf;
  for (size_t f = 0; f < status_.size(); ++f) {
    const FieldStatus& st = status_[f];
    snprintf(buf, sizeof buf, "%s{\"moisture_pct\":%.2f,\"pump\":%s,\"et_mm_h\":%.3f,\"readings_pct\":[",
             f ? "," : "", st.moisture * 100.0, st.pump_on ? "true" : "false", st.fluxes.et);
    out += buf;
    for (size_t s = 0; s < st.readings_pct.size(); ++s) {
      snprintf(buf, sizeof buf, "%s%.1f", s ? "," : "", st.readings_pct[s]);
      out += buf;
    }
    out += "]}";
  }
  return out + "]}";
}

std::string SoilSimulator::status_line() const {
  char buf[128];
  snprintf(buf, sizeof buf, "day %d %05.2fh rain %.1f mm/h |", int((config_.start_hour * 3600 + time_s_) / 86400),
           hour_of_day(), rain_now_);
  std::string out = buf;
  for (size_t f = 0; f < status_.size(); ++f) {
    snprintf(buf, sizeof buf, " f%zu %.1f%% %s", f, status_[f].moisture * 100.0,
             status_[f].pump_on ? "PUMP" : "off");
    out += buf;
  }
  return out;
}

}  // namespace continuum::sim
