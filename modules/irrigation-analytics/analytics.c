#include "analytics.h"

#define HOUR_MS (3600 * 1000LL)
#define DAY_MS (24 * HOUR_MS)

void field_default_config(FieldConfig* config) {
  config->low = 25.0;
  config->flow_lpm = 12.0;
  config->max_dry_rate = 1.0;
  config->disagree = 8.0;
  config->min_trend_points = 6;
  config->min_trend_span_h = 1.0;
  config->clear_fraction = 0.75;
}

static void period_start(Period* p, int64_t t_ms, int64_t length_ms) {
  p->start_ms = t_ms - t_ms % length_ms;
  p->length_ms = length_ms;
  p->samples = 0;
  p->min = p->max = p->sum = 0.0;
  p->pump_ms = 0;
}

void field_init(Field* f, const FieldConfig* config) {
  f->config = *config;
  f->hour.start_ms = -1;
  f->day.start_ms = -1;
  f->pump_on = 0;
  f->pump_since_ms = 0;
  f->trend_len = 0;
  f->trend_origin_ms = 0;
  f->window_end_ms = -1;
  for (int i = 0; i < AN_MAX_SENSORS; ++i) f->window_has[i] = 0;
  f->drying_alert = f->disagree_alert = 0;
}

// Adds the pump's on-time up to `until_ms` to the open hour and day.
static void credit_pump(Field* f, int64_t until_ms) {
  if (f->pump_on && until_ms > f->pump_since_ms) {
    f->hour.pump_ms += until_ms - f->pump_since_ms;
    f->day.pump_ms += until_ms - f->pump_since_ms;
  }
  f->pump_since_ms = until_ms;
}

static double litres(const Field* f, int64_t pump_ms) {
  return (double)pump_ms / 60000.0 * f->config.flow_lpm;
}

static void close_due(Field* f, Period* p, int64_t now_ms, const FieldSink* sink) {
  while (now_ms >= p->start_ms + p->length_ms) {
    int64_t end = p->start_ms + p->length_ms;
    credit_pump(f, end);
    if (p->samples > 0 || p->pump_ms > 0) sink->period_closed(sink->ctx, p, litres(f, p->pump_ms));
    // Skip empty stretches at once (a silent field must not loop per hour for years).
    period_start(p, f->pump_on || now_ms < end + p->length_ms ? end : now_ms, p->length_ms);
  }
}

void field_advance(Field* f, int64_t now_ms, const FieldSink* sink) {
  if (f->hour.start_ms < 0) {
    period_start(&f->hour, now_ms, HOUR_MS);
    period_start(&f->day, now_ms, DAY_MS);
    f->pump_since_ms = now_ms;
    return;
  }
  // Hours first: the last hour of a day is reported before the day.
  close_due(f, &f->hour, now_ms, sink);
  close_due(f, &f->day, now_ms, sink);
  credit_pump(f, now_ms);
}

static void add_sample(Period* p, double mean, double min, double max) {
  if (p->samples == 0 || min < p->min) p->min = min;
  if (p->samples == 0 || max > p->max) p->max = max;
  p->sum += mean;
  ++p->samples;
}

void field_trend(const Field* f, Trend* trend) {
  int n = f->trend_len;
  trend->valid = 0;
  trend->has_dry_out = 0;
  trend->slope_per_h = trend->fitted = trend->dry_out_h = 0.0;
  if (n < f->config.min_trend_points || n < 2) return;
  double st = 0, sv = 0;
  for (int i = 0; i < n; ++i) {
    st += f->trend_t_h[i];
    sv += f->trend_v[i];
  }
  double mt = st / n, mv = sv / n, stt = 0, stv = 0;
  for (int i = 0; i < n; ++i) {
    double dt = f->trend_t_h[i] - mt;
    stt += dt * dt;
    stv += dt * (f->trend_v[i] - mv);
  }
  if (f->trend_t_h[n - 1] - f->trend_t_h[0] < f->config.min_trend_span_h) return;
  if (stt <= 0.0) return;  // all points at one instant: no slope
  trend->valid = 1;
  trend->slope_per_h = stv / stt;
  trend->fitted = mv + trend->slope_per_h * (f->trend_t_h[n - 1] - mt);
  if (trend->slope_per_h < 0.0) {
    trend->has_dry_out = 1;
    double left = f->config.low - trend->fitted;  // negative while above `low`
    trend->dry_out_h = left < 0.0 ? left / trend->slope_per_h : 0.0;
  }
}

static void add_trend_point(Field* f, int64_t t_ms, double value) {
  if (f->trend_len == 0) f->trend_origin_ms = t_ms;
  if (f->trend_len == AN_TREND_POINTS) {  // keep the newest points
    for (int i = 1; i < AN_TREND_POINTS; ++i) {
      f->trend_t_h[i - 1] = f->trend_t_h[i];
      f->trend_v[i - 1] = f->trend_v[i];
    }
    --f->trend_len;
  }
  f->trend_t_h[f->trend_len] = (double)(t_ms - f->trend_origin_ms) / (double)HOUR_MS;
  f->trend_v[f->trend_len] = value;
  ++f->trend_len;
}

// Starts an alert when `over` (value beyond its limit), ends it only when
// `back` (value well inside it).
static void check_alert(int* state, int over, int back, int64_t t_ms, AlertKind kind,
                        double value, const FieldSink* sink) {
  if (!*state && over) {
    *state = 1;
    sink->alert(sink->ctx, t_ms, kind, 1, value);
  } else if (*state && back) {
    *state = 0;
    sink->alert(sink->ctx, t_ms, kind, 0, value);
  }
}

// Judges the collected window: sensor spread, then the field's trend point.
static void finish_window(Field* f, const FieldSink* sink) {
  int64_t t_ms = f->window_end_ms;
  double lo = 0, hi = 0, sum = 0;
  int n = 0;
  for (int i = 0; i < AN_MAX_SENSORS; ++i) {
    if (!f->window_has[i]) continue;
    double v = f->window_value[i];
    if (n == 0 || v < lo) lo = v;
    if (n == 0 || v > hi) hi = v;
    sum += v;
    ++n;
    f->window_has[i] = 0;
  }
  if (n == 0) return;
  double limit = f->config.disagree;
  if (n >= 2)
    check_alert(&f->disagree_alert, hi - lo > limit, hi - lo < limit * f->config.clear_fraction,
                t_ms, ALERT_SENSORS_DISAGREE, hi - lo, sink);

  // Watering makes the curve jump; the trend only looks at the soil drying out.
  if (f->pump_on) return;
  add_trend_point(f, t_ms, sum / n);
  Trend trend;
  field_trend(f, &trend);
  if (!trend.valid) return;
  sink->trend(sink->ctx, t_ms, &trend);
  double rate = -trend.slope_per_h, max_rate = f->config.max_dry_rate;
  check_alert(&f->drying_alert, rate > max_rate, rate < max_rate * f->config.clear_fraction, t_ms,
              ALERT_DRYING_FAST, trend.slope_per_h, sink);
}

void field_add_moisture(Field* f, int64_t t_ms, int sensor, double mean, double min, double max,
                        const FieldSink* sink) {
  field_advance(f, t_ms, sink);
  add_sample(&f->hour, mean, min, max);
  add_sample(&f->day, mean, min, max);
  if (t_ms != f->window_end_ms) {
    if (f->window_end_ms >= 0) finish_window(f, sink);
    f->window_end_ms = t_ms;
  }
  f->window_value[sensor] = mean;
  f->window_has[sensor] = 1;
}

void field_set_pump(Field* f, int64_t t_ms, int on, const FieldSink* sink) {
  field_advance(f, t_ms, sink);
  if (on == f->pump_on) return;
  // The window collected so far belongs to the old pump state.
  if (f->window_end_ms >= 0) finish_window(f, sink);
  f->window_end_ms = -1;
  credit_pump(f, t_ms);
  f->pump_on = on;
  f->pump_since_ms = t_ms;
  f->trend_len = 0;  // a watering starts a new drying curve
}
