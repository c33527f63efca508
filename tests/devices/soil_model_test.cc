// The soil water balance: day/night, pump, bounds, and the sensor faults.
#include <gtest/gtest.h>

#include <cmath>

#include "continuum/sim/soil_model.h"
#include "continuum/sim/soil_sensor.h"
#include "continuum/sim/soil_sim.h"

namespace continuum::sim {
namespace {

TEST(SoilModel, Et0CurveCarriesTheDailyTotal) {
  SoilParams p;
  double total = 0;
  for (int minute = 0; minute < 24 * 60; ++minute) total += et0_rate_mm_per_h(p, minute / 60.0) / 60.0;
  EXPECT_NEAR(total, p.et0_mm_per_day, 0.01);
  EXPECT_GT(et0_rate_mm_per_h(p, 12), 10 * et0_rate_mm_per_h(p, 0));
}

TEST(SoilModel, MoistureFallsFasterByDayThanAtNight) {
  SoilParams p;
  p.initial_moisture = 0.28;  // below field capacity: no drainage, ET alone
  SoilField day(p), night(p);
  double day0 = day.moisture(), night0 = night.moisture();
  day.step(6 * 3600, 9.0, false, 0);     // 09:00..15:00
  night.step(6 * 3600, 21.0, false, 0);  // 21:00..03:00
  double day_loss = day0 - day.moisture(), night_loss = night0 - night.moisture();
  EXPECT_GT(night_loss, 0);
  EXPECT_GT(day_loss, 5 * night_loss);
}

TEST(SoilModel, PumpRaisesMoistureAndDrainageBringsItBack) {
  SoilParams p;
  p.initial_moisture = 0.20;
  SoilField pumped(p), dry(p);
  pumped.step(3600, 12.0, true, 0);
  dry.step(3600, 12.0, false, 0);
  // 20 L/min on 100 m2 at 90 % efficiency is 10.8 mm/h, 3.6 % of a 300 mm root zone.
  EXPECT_NEAR(pumped.moisture() - dry.moisture(), 10.8 / 300.0, 0.002);
  // Keep pumping well past field capacity: drainage limits the rise.
  pumped.step(10 * 3600, 12.0, true, 0);
  EXPECT_GT(pumped.moisture(), p.field_capacity);
  EXPECT_GT(pumped.fluxes().drainage, 0);
  double peak = pumped.moisture();
  pumped.step(12 * 3600, 22.0, false, 0);
  EXPECT_LT(pumped.moisture(), peak);
}

TEST(SoilModel, StaysWithinPhysicalBoundsOverASimulatedMonth) {
  SoilSimConfig config;
  config.fields = 3;
  config.rain.events_per_day = 0.5;
  config.seed = 7;
  SoilSimulator sim(config);
  // Field 0 never irrigated, field 1 always, field 2 by a simple threshold.
  sim.set_pump(1, true);
  double min0 = 1, max1 = 0;
  bool rained = false;
  for (int minute = 0; minute < 30 * 24 * 60; ++minute) {
    sim.set_pump(2, sim.status(2).moisture < 0.22);
    sim.advance(60);
    rained |= sim.rain_mm_per_h() > 0;
    for (int f = 0; f < 3; ++f) {
      double m = sim.field(f).moisture();
      ASSERT_GE(m, config.soil.wilting_point - 1e-9) << "field " << f << " minute " << minute;  // ET stops at wilting
      ASSERT_LE(m, config.soil.saturation + 1e-9) << "field " << f << " minute " << minute;
      for (double r : sim.status(f).readings_pct) ASSERT_TRUE(r >= 0 && r <= 100);
    }
    min0 = std::fmin(min0, sim.field(0).moisture());
    max1 = std::fmax(max1, sim.field(1).moisture());
  }
  EXPECT_TRUE(rained);
  EXPECT_LT(min0, 0.18);  // a month without water dries the field towards wilting
  EXPECT_GT(max1, config.soil.field_capacity);
  EXPECT_GT(sim.field(2).moisture(), 0.19);  // the threshold controller holds it
  EXPECT_LT(sim.field(2).moisture(), 0.26);
}

TEST(SoilModel, SameSeedSameRun) {
  SoilSimConfig config;
  config.seed = 3;
  SoilSimulator a(config), b(config);
  a.advance(5 * 86400);
  b.advance(5 * 86400);
  EXPECT_EQ(a.status_json(), b.status_json());
  config.seed = 4;
  SoilSimulator c(config);
  c.advance(5 * 86400);
  EXPECT_NE(a.status_json(), c.status_json());
}

TEST(SoilSensor, NoiseSpikesAndStuckEpisodes) {
  SensorFaults faults;
  faults.spike_probability = 0.01;
  faults.stuck_per_day = 2;
  SoilSensor probe(faults, 11);
  double sum = 0, sum2 = 0;
  int n = 0, big = 0, stuck_readings = 0;
  double previous = -1;
  for (int i = 0; i < 20000; ++i) {  // 10 s apart: about 2.3 days
    double r = probe.read(0.25, 10);
    if (probe.stuck()) {
      if (previous >= 0) EXPECT_EQ(r, previous);
      ++stuck_readings;
    } else if (std::fabs(r - 25) > 5) {
      ++big;
    } else {
      sum += r;
      sum2 += r * r;
      ++n;
    }
    previous = r;
  }
  double mean = sum / n, sd = std::sqrt(sum2 / n - mean * mean);
  EXPECT_NEAR(mean, 25, 0.05);
  EXPECT_NEAR(sd, faults.noise_sd_pct, 0.05);
  EXPECT_GT(big, 50);            // about 1 % spikes
  EXPECT_EQ(uint64_t(big), probe.spikes());
  EXPECT_GT(stuck_readings, 100);
}

}  // namespace
}  // namespace continuum::sim
