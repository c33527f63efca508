// Cloud-tier analytics for one irrigated field: statistics per hour and per UTC
// day, water use from pump on-time and flow rate, the moisture trend and a
// dry-out forecast by least-squares regression, and alerts for a field drying
// faster than expected or sensors that disagree.
//
// Pure logic, no host calls; results go out through a FieldSink so that
// module.c decides the JSON. Moisture in percent, times in ms since the epoch.
#ifndef CONTINUUM_MODULES_ANALYTICS_H
#define CONTINUUM_MODULES_ANALYTICS_H

#include <stdint.h>

#define AN_MAX_SENSORS 4
#define AN_TREND_POINTS 64

typedef struct {
  double low;           // the forecast counts down to this moisture
  double flow_lpm;      // pump flow rate, litres per minute
  double max_dry_rate;  // %/h; drying faster than this raises an alert
  double disagree;      // %; sensors further apart than this raise an alert
  int min_trend_points; // the regression needs at least this many points
  double min_trend_span_h;  // ... spread over at least this many hours
  // An alert ends only when its value is back inside `clear_fraction` of its
  // limit, so that a value hovering at the limit does not flap.
  double clear_fraction;
} FieldConfig;

typedef struct {
  int64_t start_ms, length_ms;
  int samples;          // moisture samples (each one an aggregate of a sensor)
  double min, max, sum;
  int64_t pump_ms;      // pump on-time inside the period
} Period;

typedef struct {
  int valid;            // 0 until the regression has enough points
  double slope_per_h;   // %/h, negative while drying
  double fitted;        // regression value at the newest point
  int has_dry_out;      // 1 when drying and still above the low threshold
  double dry_out_h;     // hours until the fitted line reaches `low`
} Trend;

typedef enum { ALERT_DRYING_FAST, ALERT_SENSORS_DISAGREE } AlertKind;

typedef struct FieldSink {
  void (*period_closed)(void* ctx, const Period* period, double water_l);
  void (*trend)(void* ctx, int64_t t_ms, const Trend* trend);
  // active = 1 when the condition starts, 0 when it ends; value is the slope
  // (%/h) or the spread between sensors (%).
  void (*alert)(void* ctx, int64_t t_ms, AlertKind kind, int active, double value);
  void* ctx;
} FieldSink;

typedef struct {
  FieldConfig config;
  Period hour, day;
  int pump_on;
  int64_t pump_since_ms;  // pump time before this is already credited
  double trend_t_h[AN_TREND_POINTS], trend_v[AN_TREND_POINTS];
  int trend_len;
  int64_t trend_origin_ms;
  // The aggregation window being collected: sensors report the same window
  // end one after the other; the window is judged when a later one starts.
  int64_t window_end_ms;  // -1: none yet
  double window_value[AN_MAX_SENSORS];
  int window_has[AN_MAX_SENSORS];
  int drying_alert, disagree_alert;
} Field;

void field_default_config(FieldConfig* config);
void field_init(Field* field, const FieldConfig* config);

// Closes the hours and days that ended at or before `now_ms`.
void field_advance(Field* field, int64_t now_ms, const FieldSink* sink);

// A moisture aggregate of sensor `sensor` (0..AN_MAX_SENSORS-1) for the window
// ending at t_ms. The field's moisture for a window (trend point) is the mean
// of its sensors, and their spread is checked for disagreement, once the
// first aggregate of a later window arrives.
void field_add_moisture(Field* field, int64_t t_ms, int sensor, double mean, double min,
                        double max, const FieldSink* sink);

// The pump of this field is on or off from t_ms on.
void field_set_pump(Field* field, int64_t t_ms, int on, const FieldSink* sink);

// Least-squares line through the field's points since the last watering.
void field_trend(const Field* field, Trend* trend);

#endif
