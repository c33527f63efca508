// Water balance of one field's root zone, in the FAO-56 style: the stored
// water S = theta * Zr (mm) changes by
//   dS/dt = irrigation + rain - Ks * Kc * ET0(t) - drainage - runoff
// with a diurnal ET0 curve, linear-reservoir drainage above field capacity,
// water stress (Ks) between the stress threshold and the wilting point, and
// saturation as the ceiling (the excess runs off).
#pragma once

namespace continuum::sim {

struct SoilParams {
  double root_depth_mm = 300;       // Zr: depth of the root zone the sensors sit in
  double saturation = 0.45;         // theta_sat, m3/m3: pores full; above runs off
  double field_capacity = 0.30;     // theta_fc, m3/m3: above it water drains
  double wilting_point = 0.12;      // theta_wp, m3/m3: plants extract no more below
  double stress_fraction = 0.5;     // p: Ks < 1 once this share of (fc - wp) is used
  double drainage_per_h = 0.3;      // k: share of the water above fc drained per hour
  double et0_mm_per_day = 5.0;      // reference evapotranspiration, daily total
  double night_et_share = 0.1;      // share of ET0 spread evenly over the 24 h
  double crop_coefficient = 1.0;    // Kc
  double area_m2 = 100;             // field area the pump waters
  double pump_flow_l_per_min = 20;  // pump flow when on
  double irrigation_efficiency = 0.9;  // share of pumped water reaching the root zone
  double initial_moisture = 0.26;   // theta at start, m3/m3
};

// ET0 rate (mm/h) at hour-of-day h: a sine over the daylight hours 6..18
// carrying (1 - night share) of the day, plus the night share spread evenly.
double et0_rate_mm_per_h(const SoilParams& p, double hour_of_day);

// Fluxes of the last step, mm/h (for status output and tests).
struct SoilFluxes {
  double et = 0, drainage = 0, irrigation = 0, rain = 0, runoff = 0;
};

class SoilField {
 public:
  explicit SoilField(const SoilParams& params);
  // Advances dt seconds at the given hour of day with the pump on/off and a
  // rain intensity in mm/h. Internally in steps of at most one minute.
  void step(double dt_s, double hour_of_day, bool pump_on, double rain_mm_per_h);

  double moisture() const { return water_mm_ / params_.root_depth_mm; }  // theta, m3/m3
  const SoilFluxes& fluxes() const { return fluxes_; }
  const SoilParams& params() const { return params_; }
  double irrigation_mm_per_h() const;  // while the pump runs

 private:
  void substep(double dt_h, double hour, bool pump_on, double rain);

  SoilParams params_;
  double water_mm_;
  SoilFluxes fluxes_;
};

}  // namespace continuum::sim
