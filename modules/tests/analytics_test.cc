// irrigation-analytics/analytics.c: periods, pump time across boundaries,
// trend and forecast, alerts with their clearing hysteresis.
#include <gtest/gtest.h>

#include <string>
#include <vector>

extern "C" {
#include "analytics.h"
}

namespace {

constexpr int64_t kMin = 60000, kHour = 60 * kMin;
constexpr int64_t kDay0 = 1795132800000;  // 2026-11-21 00:00 UTC

struct Recorder {
  std::vector<Period> hours, days;
  std::vector<double> water;
  std::vector<Trend> trends;
  std::vector<std::string> alerts;
  FieldSink sink{period, trend, alert, this};
  static void period(void* self, const Period* p, double water_l) {
    auto* r = static_cast<Recorder*>(self);
    (p->length_ms == kHour ? r->hours : r->days).push_back(*p);
    r->water.push_back(water_l);
  }
  static void trend(void* self, int64_t, const Trend* t) {
    static_cast<Recorder*>(self)->trends.push_back(*t);
  }
  static void alert(void* self, int64_t, AlertKind kind, int active, double) {
    static_cast<Recorder*>(self)->alerts.push_back(
        std::string(kind == ALERT_DRYING_FAST ? "drying" : "disagree") + (active ? "+" : "-"));
  }
};

Field make_field() {
  FieldConfig c;
  field_default_config(&c);  // low 25, 12 l/min, 1 %/h, 8 %, 6 points over 1 h
  Field f;
  field_init(&f, &c);
  return f;
}

TEST(Analytics, PumpTimeIsSplitAtHourAndDayBoundaries) {
  Field f = make_field();
  Recorder r;
  int64_t t0 = kDay0 - 2 * kHour;  // 22:00 the day before
  field_add_moisture(&f, t0 + 10 * kMin, 0, 30, 29, 31, &r.sink);
  field_set_pump(&f, t0 + 110 * kMin, 1, &r.sink);  // 23:50
  field_set_pump(&f, kDay0 + 20 * kMin, 0, &r.sink);  // 00:20
  field_add_moisture(&f, kDay0 + 70 * kMin, 0, 31, 30, 32, &r.sink);  // closes 00:00-01:00
  ASSERT_EQ(r.hours.size(), 3u) << "22:00 (a sample), 23:00 (pump), 00:00 (pump)";
  EXPECT_EQ(r.hours[0].samples, 1);
  EXPECT_EQ(r.hours[1].pump_ms, 10 * kMin);
  EXPECT_EQ(r.hours[2].pump_ms, 20 * kMin);
  ASSERT_EQ(r.days.size(), 1u);
  EXPECT_EQ(r.days[0].start_ms, kDay0 - 24 * kHour);
  EXPECT_EQ(r.days[0].pump_ms, 10 * kMin);
  EXPECT_DOUBLE_EQ(r.water[1], 10 * 12.0);
}

TEST(Analytics, TrendOfALinearDryingAndTheDryOutForecast) {
  Field f = make_field();
  Recorder r;
  for (int i = 0; i <= 12; ++i)  // 30 % falling 1.5 %/h, two sensors per window
    for (int s = 0; s < 2; ++s)
      field_add_moisture(&f, kDay0 + i * 10 * kMin, s, 30 - 0.25 * i + (s ? 0.2 : -0.2), 0, 0,
                         &r.sink);
  ASSERT_FALSE(r.trends.empty());
  const Trend& t = r.trends.back();  // windows 0..11 judged so far
  EXPECT_NEAR(t.slope_per_h, -1.5, 1e-9);
  EXPECT_NEAR(t.fitted, 30 - 0.25 * 11, 1e-9);
  ASSERT_TRUE(t.has_dry_out);
  EXPECT_NEAR(t.dry_out_h, (30 - 0.25 * 11 - 25) / 1.5, 1e-9);
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0], "drying+");
}

TEST(Analytics, NoTrendBeforeEnoughPointsOverAnHourAndNoneWhileWatering) {
  Field f = make_field();
  Recorder r;
  for (int i = 0; i <= 6; ++i) field_add_moisture(&f, kDay0 + i * 5 * kMin, 0, 30 - i, 0, 0, &r.sink);
  EXPECT_TRUE(r.trends.empty()) << "six points but only half an hour";
  field_set_pump(&f, kDay0 + 40 * kMin, 1, &r.sink);
  for (int i = 0; i < 20; ++i) field_add_moisture(&f, kDay0 + (50 + i * 10) * kMin, 0, 20 + i, 0, 0, &r.sink);
  EXPECT_TRUE(r.trends.empty()) << "watering is not a drying trend";
}

TEST(Analytics, DisagreementAlertEndsOnlyWellInsideTheLimit) {
  Field f = make_field();
  Recorder r;
  const double spread[] = {2, 9, 7, 6.5, 5.9, 9};  // limit 8, clears below 6
  for (int i = 0; i < 6; ++i) {
    field_add_moisture(&f, kDay0 + i * 10 * kMin, 0, 30, 0, 0, &r.sink);
    field_add_moisture(&f, kDay0 + i * 10 * kMin, 1, 30 + spread[i], 0, 0, &r.sink);
  }
  field_add_moisture(&f, kDay0 + 60 * kMin, 0, 30, 0, 0, &r.sink);  // judges the last window
  std::vector<std::string> want = {"disagree+", "disagree-", "disagree+"};
  EXPECT_EQ(r.alerts, want);
}

}  // namespace
