#include "continuum/sim/soil_model.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace continuum::sim {

double et0_rate_mm_per_h(const SoilParams& p, double hour) {
  double night = p.et0_mm_per_day * p.night_et_share / 24.0;
  double day_total = p.et0_mm_per_day * (1.0 - p.night_et_share);
  double h = std::fmod(hour, 24.0);
  if (h < 6.0 || h > 18.0) return night;
  // The integral of sin(pi (h - 6) / 12) over 6..18 is 24 / pi hours.
  return night + day_total * std::numbers::pi / 24.0 * std::sin(std::numbers::pi * (h - 6.0) / 12.0);
}

SoilField::SoilField(const SoilParams& params)
    : params_(params), water_mm_(params.initial_moisture * params.root_depth_mm) {}

double SoilField::irrigation_mm_per_h() const {
  // 1 litre on 1 m2 is 1 mm.
  return params_.pump_flow_l_per_min * 60.0 / params_.area_m2 * params_.irrigation_efficiency;
}

void SoilField::step(double dt_s, double hour, bool pump_on, double rain) {
  while (dt_s > 0) {
    double sub = std::min(dt_s, 60.0);
    substep(sub / 3600.0, hour, pump_on, rain);
    hour += sub / 3600.0;
    dt_s -= sub;
  }
}

void SoilField::substep(double dt_h, double hour, bool pump_on, double rain) {
  const SoilParams& p = params_;
  double zr = p.root_depth_mm;
  double theta = water_mm_ / zr;
  // Water stress: full transpiration down to the threshold, then linearly
  // less until nothing at the wilting point.
  double threshold = p.field_capacity - p.stress_fraction * (p.field_capacity - p.wilting_point);
  double ks = std::clamp((theta - p.wilting_point) / (threshold - p.wilting_point), 0.0, 1.0);
  SoilFluxes f;
  f.et = ks * p.crop_coefficient * et0_rate_mm_per_h(p, hour);
  double excess_mm = std::max(0.0, water_mm_ - p.field_capacity * zr);
  // Linear reservoir: the exact drained share over the step, so large steps
  // never drain below field capacity.
  double drained = excess_mm * (1.0 - std::exp(-p.drainage_per_h * dt_h));
  f.drainage = drained / dt_h;
  f.irrigation = pump_on ? irrigation_mm_per_h() : 0.0;
  f.rain = rain;
  double next = water_mm_ + (f.irrigation + f.rain - f.et) * dt_h - drained;
  double ceiling = p.saturation * zr;
  if (next > ceiling) {
    f.runoff = (next - ceiling) / dt_h;
    next = ceiling;
  }
  water_mm_ = std::max(next, 0.0);
  fluxes_ = f;
}

}  // namespace continuum::sim
