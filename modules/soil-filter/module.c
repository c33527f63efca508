// soil-filter (fog stage): filters the "readings" of irrigation-control per
// sensor (soil_filter.c) and emits each judged sample on "filtered" and each
// closed aggregation window on "aggregate" (the message forwarded upstream).
//
// Config: ema_alpha (0.2), window (12 samples), min_history (5), z_limit (3),
// mad_limit (3.5), min_spread (0.5 %), shift_after (3), aggregate_s (600).
// A window closes when the sensor's first sample past its end arrives.
#include "continuum.h"
#include "continuum_json.h"
#include "message.h"
#include "module_config.h"
#include "soil_filter.h"

#define MAX_SENSORS 8
#define NAME_CAP 32

typedef struct {
  char sensor[NAME_CAP];
  char field[NAME_CAP];
  Filter filter;
} Channel;

static FilterConfig g_config;
static Channel g_channels[MAX_SENSORS];
static int g_channel_count;

int32_t ctm_init(void) {
  filter_default_config(&g_config);
  g_config.ema_alpha = config_f64("ema_alpha", g_config.ema_alpha);
  g_config.window = (int)config_i64("window", g_config.window);
  g_config.min_history = (int)config_i64("min_history", g_config.min_history);
  g_config.z_limit = config_f64("z_limit", g_config.z_limit);
  g_config.mad_limit = config_f64("mad_limit", g_config.mad_limit);
  g_config.min_spread = config_f64("min_spread", g_config.min_spread);
  g_config.shift_after = (int)config_i64("shift_after", g_config.shift_after);
  g_config.aggregate_ms = config_i64("aggregate_s", g_config.aggregate_ms / 1000) * 1000;
  if (!(g_config.ema_alpha > 0.0 && g_config.ema_alpha <= 1.0) || g_config.aggregate_ms <= 0) {
    ctm_log_str(CTM_LOG_ERROR, "soil-filter: need 0 < ema_alpha <= 1 and aggregate_s > 0");
    return CTM_ERR_INVALID;
  }
  g_channel_count = 0;
  return CTM_OK;
}

static int same(const char* a, const char* b) {
  for (; *a && *a == *b; ++a, ++b) {
  }
  return *a == *b;
}

// A channel is one probe: sensor names repeat across fields (every field has
// its soil-1), so both names identify it.
static Channel* channel_for(const char* sensor, const char* field) {
  for (int i = 0; i < g_channel_count; ++i)
    if (same(g_channels[i].sensor, sensor) && same(g_channels[i].field, field)) return &g_channels[i];
  if (g_channel_count == MAX_SENSORS) return 0;
  Channel* c = &g_channels[g_channel_count++];
  for (int i = 0; i < NAME_CAP; ++i) c->sensor[i] = sensor[i];
  for (int i = 0; i < NAME_CAP; ++i) c->field[i] = field[i];
  filter_init(&c->filter, &g_config);
  return c;
}

static void start(ctm_json_writer* w, char* buf, uint32_t cap, const Channel* c) {
  ctm_jw_init(w, buf, cap);
  ctm_jw_begin_object(w);
  ctm_jw_key(w, "field");
  ctm_jw_cstring(w, c->field);
  ctm_jw_key(w, "sensor");
  ctm_jw_cstring(w, c->sensor);
}

static void send(const char* port, ctm_json_writer* w) {
  ctm_jw_end_object(w);
  uint32_t len = ctm_jw_finish(w);
  if (len) ctm_emit_to(port, w->buf, len);
}

static void emit_aggregate(const Channel* c, const FilterAggregate* a) {
  char buf[320];
  ctm_json_writer w;
  start(&w, buf, sizeof buf, c);
  ctm_jw_key(&w, "start_ms");
  ctm_jw_i64(&w, a->start_ms);
  ctm_jw_key(&w, "end_ms");
  ctm_jw_i64(&w, a->end_ms);
  ctm_jw_key(&w, "count");
  ctm_jw_i64(&w, a->count);
  ctm_jw_key(&w, "outliers");
  ctm_jw_i64(&w, a->outliers);
  if (a->count > 0) {
    ctm_jw_key(&w, "min");
    ctm_jw_f64(&w, a->min);
    ctm_jw_key(&w, "max");
    ctm_jw_f64(&w, a->max);
    ctm_jw_key(&w, "mean");
    ctm_jw_f64(&w, a->mean);
  }
  send("aggregate", &w);
}

static void emit_sample(const Channel* c, int64_t t_ms, const FilterSample* s) {
  char buf[320];
  ctm_json_writer w;
  start(&w, buf, sizeof buf, c);
  ctm_jw_key(&w, "t_ms");
  ctm_jw_i64(&w, t_ms);
  ctm_jw_key(&w, "value");
  ctm_jw_f64(&w, s->value);
  ctm_jw_key(&w, "ema");
  ctm_jw_f64(&w, s->ema);
  ctm_jw_key(&w, "ma");
  ctm_jw_f64(&w, s->moving_average);
  ctm_jw_key(&w, "z");
  ctm_jw_f64(&w, s->z);
  ctm_jw_key(&w, "robust_z");
  ctm_jw_f64(&w, s->robust_z);
  ctm_jw_key(&w, "outlier");
  ctm_jw_bool(&w, s->outlier);
  ctm_jw_key(&w, "level_shift");
  ctm_jw_bool(&w, s->level_shift);
  send("filtered", &w);
}

// Keeps MEMBER in *SLOT if it is named WANT (N bytes, a literal) and is the
// first of that name (as ctm_json_find would pick). Inlined, with the bytes
// compared in a loop: at -Oz a memcmp stays a call into the byte loop of
// ctm_libc.c, for every member of every message.
static inline __attribute__((always_inline)) void take_member(ctm_json_span name, ctm_json_span member,
                                                              const char* want, uint32_t n,
                                                              ctm_json_span* slot) {
  if (slot->ptr || name.len != n) return;
  for (uint32_t i = 0; i < n; ++i)
    if (name.ptr[i] != want[i]) return;
  *slot = member;
}
#define TAKE(want, slot) take_member(name, member, want, sizeof want - 1, slot)

int32_t ctm_on_message(const char* port, uint32_t port_len, const uint8_t* payload,
                       uint32_t payload_len) {
  if (!ctm_port_is(port, port_len, "readings")) return CTM_OK;
  // One pass over the members of the envelope's "values" (a lookup per
  // member would scan the text again each time).
  ctm_json_span body = message_body((ctm_json_span){(const char*)payload, payload_len});
  ctm_json_span name, member, sensor_text = {0, 0}, t_text = {0, 0}, value_text = {0, 0}, field_text = {0, 0};
  uint32_t cursor = 0;
  while (ctm_json_next_member(body, &cursor, &name, &member)) {
    TAKE("sensor", &sensor_text);
    TAKE("t_ms", &t_text);
    TAKE("value", &value_text);
    TAKE("field", &field_text);
  }
  char sensor[NAME_CAP], field[NAME_CAP];
  int64_t t_ms;
  double value;
  // An empty path names the member's value itself (continuum_json.h).
  if (ctm_json_get_string(sensor_text, "", sensor, sizeof sensor) < 0 || !ctm_json_get_i64(t_text, "", &t_ms))
    return CTM_ERR_INVALID;
  if (!ctm_json_get_f64(value_text, "", &value)) return CTM_OK;  // null: the sensor had nothing
  if (ctm_json_get_string(field_text, "", field, sizeof field) < 0) field[0] = '\0';
  Channel* c = channel_for(sensor, field);
  if (!c) return CTM_ERR_NO_SPACE;
  FilterAggregate aggregate;
  if (filter_close_window(&c->filter, t_ms, &aggregate)) emit_aggregate(c, &aggregate);
  FilterSample sample;
  filter_add(&c->filter, t_ms, value, &sample);
  emit_sample(c, t_ms, &sample);
  return CTM_OK;
}

int32_t ctm_on_tick(int64_t now_us) {
  (void)now_us;
  return CTM_OK;
}

/* ---- State hand-over to the next version (docs/host-abi.md). The filter
 * state of every channel, without the configuration (the new version reads
 * its own in ctm_init, which runs before ctm_state_load). Format version 1,
 * little-endian: u32 version, u32 channels, then per channel: sensor and
 * field (NAME_CAP bytes each), u32 history_len, u32 history_next,
 * history_len f64, u32 outlier_run, outlier_run x (f64 value, i64 t_ms),
 * f64 ema, u32 has_ema, i64 window_start_ms, u32 count, u32 outliers,
 * f64 min, max, sum. */

#define STATE_VERSION 1

int32_t ctm_state_save(uint8_t* buf, uint32_t cap) {
  ctm_state_writer w;
  ctm_sw_init(&w, buf, cap);
  ctm_sw_u32(&w, STATE_VERSION);
  ctm_sw_u32(&w, (uint32_t)g_channel_count);
  for (int i = 0; i < g_channel_count; ++i) {
    const Channel* c = &g_channels[i];
    const Filter* f = &c->filter;
    ctm_sw_bytes(&w, c->sensor, NAME_CAP);
    ctm_sw_bytes(&w, c->field, NAME_CAP);
    ctm_sw_u32(&w, (uint32_t)f->history_len);
    ctm_sw_u32(&w, (uint32_t)f->history_next);
    for (int k = 0; k < f->history_len; ++k) ctm_sw_f64(&w, f->history[k]);
    ctm_sw_u32(&w, (uint32_t)f->outlier_run);
    for (int k = 0; k < f->outlier_run; ++k) {
      ctm_sw_f64(&w, f->recent_outliers[k]);
      ctm_sw_u64(&w, (uint64_t)f->recent_outlier_ms[k]);
    }
    ctm_sw_f64(&w, f->ema);
    ctm_sw_u32(&w, (uint32_t)f->has_ema);
    ctm_sw_u64(&w, (uint64_t)f->window_start_ms);
    ctm_sw_u32(&w, (uint32_t)f->count);
    ctm_sw_u32(&w, (uint32_t)f->outliers);
    ctm_sw_f64(&w, f->min);
    ctm_sw_f64(&w, f->max);
    ctm_sw_f64(&w, f->sum);
  }
  return ctm_sw_finish(&w);
}

int32_t ctm_state_load(const uint8_t* state, uint32_t len) {
  ctm_state_reader r;
  ctm_sr_init(&r, state, len);
  if (ctm_sr_u32(&r) != STATE_VERSION) return CTM_ERR_INVALID;
  uint32_t channels = ctm_sr_u32(&r);
  if (channels > MAX_SENSORS) return CTM_ERR_INVALID;
  static Channel loaded[MAX_SENSORS];  // filled completely before it replaces the state
  for (uint32_t i = 0; i < channels && !r.failed; ++i) {
    Channel* c = &loaded[i];
    Filter* f = &c->filter;
    filter_init(f, &g_config);
    ctm_sr_bytes(&r, c->sensor, NAME_CAP);
    ctm_sr_bytes(&r, c->field, NAME_CAP);
    c->sensor[NAME_CAP - 1] = c->field[NAME_CAP - 1] = '\0';
    uint32_t len_h = ctm_sr_u32(&r), next = ctm_sr_u32(&r);
    // The history must fit this version's window (its ring buffer).
    if (len_h > (uint32_t)g_config.window || next >= (uint32_t)g_config.window) return CTM_ERR_INVALID;
    f->history_len = (int)len_h;
    f->history_next = (int)next;
    for (uint32_t k = 0; k < len_h; ++k) f->history[k] = ctm_sr_f64(&r);
    uint32_t run = ctm_sr_u32(&r);
    if (run > SF_MAX_WINDOW) return CTM_ERR_INVALID;
    f->outlier_run = (int)run;
    for (uint32_t k = 0; k < run; ++k) {
      f->recent_outliers[k] = ctm_sr_f64(&r);
      f->recent_outlier_ms[k] = (int64_t)ctm_sr_u64(&r);
    }
    f->ema = ctm_sr_f64(&r);
    f->has_ema = ctm_sr_u32(&r) != 0;
    f->window_start_ms = (int64_t)ctm_sr_u64(&r);
    f->count = (int)ctm_sr_u32(&r);
    f->outliers = (int)ctm_sr_u32(&r);
    f->min = ctm_sr_f64(&r);
    f->max = ctm_sr_f64(&r);
    f->sum = ctm_sr_f64(&r);
  }
  int32_t status = ctm_sr_finish(&r);
  if (status != CTM_OK) return status;
  for (uint32_t i = 0; i < channels; ++i) g_channels[i] = loaded[i];
  g_channel_count = (int)channels;
  return CTM_OK;
}
