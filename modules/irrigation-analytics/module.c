// irrigation-analytics (cloud stage): per-field statistics per hour and UTC
// day, water use, moisture trend with a dry-out forecast, and alerts
// (analytics.c), fed by soil-filter's "aggregate" and irrigation-control's
// "pump" messages.
//
// Outputs: "hourly" and "daily" {field,start_ms,end_ms,samples,min,max,mean,
// pump_s,water_l}; "trend" {field,t_ms,slope_pct_h,moisture,dry_out_h};
// "alerts" {field,t_ms,alert,active,value}.
// A period closes when the field's first message past its end arrives.
// Config (each also per field as "<field>.<key>"): low (25), flow_lpm (12),
// max_dry_rate (1 %/h), disagree (8 %), min_trend_points (6), min_trend_span_h
// (1), clear_fraction (0.75: an alert ends once its value is back within 75 %
// of its limit).
#include "analytics.h"
#include "continuum.h"
#include "continuum_json.h"
#include "message.h"
#include "module_config.h"

#define MAX_FIELDS 8
#define NAME_CAP 32

typedef struct {
  char name[NAME_CAP];
  char sensors[AN_MAX_SENSORS][NAME_CAP];
  int sensor_count;
  Field field;
} FieldSlot;

static FieldSlot g_fields[MAX_FIELDS];
static int g_field_count;

int32_t ctm_init(void) {
  g_field_count = 0;
  return CTM_OK;
}

static int same(const char* a, const char* b) {
  for (; *a && *a == *b; ++a, ++b) {
  }
  return *a == *b;
}

static void copy_name(char* dst, const char* src) {
  int i = 0;
  for (; src[i] && i + 1 < NAME_CAP; ++i) dst[i] = src[i];
  dst[i] = '\0';
}

// "<field>.<key>" if configured, else "<key>", else the default.
static double field_setting(const char* field, const char* key, double fallback) {
  char path[2 * NAME_CAP];
  int n = 0;
  for (int i = 0; field[i] && n < NAME_CAP; ++i) path[n++] = field[i];
  path[n++] = '.';
  for (int i = 0; key[i] && n + 1 < (int)sizeof path; ++i) path[n++] = key[i];
  path[n] = '\0';
  return config_f64(path, config_f64(key, fallback));
}

static FieldSlot* slot_for(const char* name) {
  for (int i = 0; i < g_field_count; ++i)
    if (same(g_fields[i].name, name)) return &g_fields[i];
  if (g_field_count == MAX_FIELDS) return 0;
  FieldSlot* s = &g_fields[g_field_count++];
  copy_name(s->name, name);
  s->sensor_count = 0;
  FieldConfig config;
  field_default_config(&config);
  config.low = field_setting(name, "low", config.low);
  config.flow_lpm = field_setting(name, "flow_lpm", config.flow_lpm);
  config.max_dry_rate = field_setting(name, "max_dry_rate", config.max_dry_rate);
  config.disagree = field_setting(name, "disagree", config.disagree);
  config.min_trend_points = (int)field_setting(name, "min_trend_points", config.min_trend_points);
  config.min_trend_span_h = field_setting(name, "min_trend_span_h", config.min_trend_span_h);
  config.clear_fraction = field_setting(name, "clear_fraction", config.clear_fraction);
  field_init(&s->field, &config);
  return s;
}

static int sensor_index(FieldSlot* s, const char* sensor) {
  for (int i = 0; i < s->sensor_count; ++i)
    if (same(s->sensors[i], sensor)) return i;
  if (s->sensor_count == AN_MAX_SENSORS) return -1;
  copy_name(s->sensors[s->sensor_count], sensor);
  return s->sensor_count++;
}

// ---- output ----

static void start(ctm_json_writer* w, char* buf, uint32_t cap, const FieldSlot* s) {
  ctm_jw_init(w, buf, cap);
  ctm_jw_begin_object(w);
  ctm_jw_key(w, "field");
  ctm_jw_cstring(w, s->name);
}

static void send(const char* port, ctm_json_writer* w) {
  ctm_jw_end_object(w);
  uint32_t len = ctm_jw_finish(w);
  if (len) ctm_emit_to(port, w->buf, len);
}

static void on_period(void* ctx, const Period* p, double water_l) {
  char buf[384];
  ctm_json_writer w;
  start(&w, buf, sizeof buf, ctx);
  ctm_jw_key(&w, "start_ms");
  ctm_jw_i64(&w, p->start_ms);
  ctm_jw_key(&w, "end_ms");
  ctm_jw_i64(&w, p->start_ms + p->length_ms);
  ctm_jw_key(&w, "samples");
  ctm_jw_i64(&w, p->samples);
  if (p->samples > 0) {
    ctm_jw_key(&w, "min");
    ctm_jw_f64(&w, p->min);
    ctm_jw_key(&w, "max");
    ctm_jw_f64(&w, p->max);
    ctm_jw_key(&w, "mean");
    ctm_jw_f64(&w, p->sum / p->samples);
  }
  ctm_jw_key(&w, "pump_s");
  ctm_jw_f64(&w, (double)p->pump_ms / 1000.0);
  ctm_jw_key(&w, "water_l");
  ctm_jw_f64(&w, water_l);
  send(p->length_ms == 3600 * 1000LL ? "hourly" : "daily", &w);
}

static void on_trend(void* ctx, int64_t t_ms, const Trend* t) {
  char buf[256];
  ctm_json_writer w;
  start(&w, buf, sizeof buf, ctx);
  ctm_jw_key(&w, "t_ms");
  ctm_jw_i64(&w, t_ms);
  ctm_jw_key(&w, "slope_pct_h");
  ctm_jw_f64(&w, t->slope_per_h);
  ctm_jw_key(&w, "moisture");
  ctm_jw_f64(&w, t->fitted);
  ctm_jw_key(&w, "dry_out_h");
  if (t->has_dry_out)
    ctm_jw_f64(&w, t->dry_out_h);
  else
    ctm_jw_null(&w);
  send("trend", &w);
}

static void on_alert(void* ctx, int64_t t_ms, AlertKind kind, int active, double value) {
  char buf[256];
  ctm_json_writer w;
  start(&w, buf, sizeof buf, ctx);
  ctm_jw_key(&w, "t_ms");
  ctm_jw_i64(&w, t_ms);
  ctm_jw_key(&w, "alert");
  ctm_jw_cstring(&w, kind == ALERT_DRYING_FAST ? "drying_fast" : "sensors_disagree");
  ctm_jw_key(&w, "active");
  ctm_jw_bool(&w, active);
  ctm_jw_key(&w, "value");
  ctm_jw_f64(&w, value);
  send("alerts", &w);
}

// ---- input ----

int32_t ctm_on_message(const char* port, uint32_t port_len, const uint8_t* payload,
                       uint32_t payload_len) {
  ctm_json_span message = {(const char*)payload, payload_len};
  char name[NAME_CAP];
  if (message_string(message, "field", name, sizeof name) < 0) return CTM_ERR_INVALID;
  FieldSlot* s = slot_for(name);
  if (!s) return CTM_ERR_NO_SPACE;
  FieldSink sink = {on_period, on_trend, on_alert, s};

  if (ctm_port_is(port, port_len, "aggregate")) {
    char sensor[NAME_CAP];
    int64_t end_ms, count;
    double mean, min, max;
    if (message_string(message, "sensor", sensor, sizeof sensor) < 0 ||
        !message_i64(message, "end_ms", &end_ms) || !message_i64(message, "count", &count))
      return CTM_ERR_INVALID;
    if (count == 0 || !message_f64(message, "mean", &mean) || !message_f64(message, "min", &min) ||
        !message_f64(message, "max", &max))
      return CTM_OK;  // a window of nothing but outliers says nothing about the soil
    int index = sensor_index(s, sensor);
    if (index < 0) return CTM_ERR_NO_SPACE;
    field_add_moisture(&s->field, end_ms, index, mean, min, max, &sink);
  } else if (ctm_port_is(port, port_len, "pump")) {
    int64_t t_ms;
    int on;
    if (!message_i64(message, "t_ms", &t_ms) || !message_bool(message, "on", &on))
      return CTM_ERR_INVALID;
    field_set_pump(&s->field, t_ms, on, &sink);
  }
  return CTM_OK;
}

int32_t ctm_on_tick(int64_t now_us) {
  (void)now_us;
  return CTM_OK;
}
