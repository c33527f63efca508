// irrigation-control (edge stage): each tick reads the zone's soil-moisture
// sensors, runs the pump controller (irrigation.c), switches the pump and
// emits one "readings" message per sensor and one "pump" message.
//
// Config: sensors (comma list, default "soil-1"), pump ("pump-1"), field
// ("field-1"), low (25), high (35), max_run_s (900), rest_s (1800),
// dry_floor (2), dry_ticks (3).
#include "continuum.h"
#include "continuum_json.h"
#include "irrigation.h"
#include "module_config.h"

#define NAME_CAP 32

static Irrigation g_control;
static char g_sensors[IRR_MAX_SENSORS][NAME_CAP];
static char g_pump[NAME_CAP];
static char g_field[NAME_CAP];

int32_t ctm_init(void) {
  IrrigationConfig config;
  irrigation_default_config(&config);
  char list[IRR_MAX_SENSORS * NAME_CAP];
  config_text("sensors", "soil-1", list, sizeof list);
  config.sensor_count = config_split(list, &g_sensors[0][0], IRR_MAX_SENSORS, NAME_CAP);
  config_text("pump", "pump-1", g_pump, sizeof g_pump);
  config_text("field", "field-1", g_field, sizeof g_field);
  config.low = config_f64("low", config.low);
  config.high = config_f64("high", config.high);
  config.max_run_ms = config_i64("max_run_s", config.max_run_ms / 1000) * 1000;
  config.rest_ms = config_i64("rest_s", config.rest_ms / 1000) * 1000;
  config.dry_floor = config_f64("dry_floor", config.dry_floor);
  config.dry_ticks = (int)config_i64("dry_ticks", config.dry_ticks);
  if (config.sensor_count == 0 || !(config.low < config.high)) {
    ctm_log_str(CTM_LOG_ERROR, "irrigation-control: need sensors and low < high");
    return CTM_ERR_INVALID;
  }
  irrigation_init(&g_control, &config);
  ctm_actuator(g_pump, 0.0);  // start from a known state: off
  return CTM_OK;
}

int32_t ctm_on_message(const char* port, uint32_t port_len, const uint8_t* payload,
                       uint32_t payload_len) {
  (void)port, (void)port_len, (void)payload, (void)payload_len;
  return CTM_OK;  // this stage has no inputs besides its sensors
}

static void begin(ctm_json_writer* w, char* buf, uint32_t cap, int64_t t_ms) {
  ctm_jw_init(w, buf, cap);
  ctm_jw_begin_object(w);
  ctm_jw_key(w, "t_ms");
  ctm_jw_i64(w, t_ms);
  ctm_jw_key(w, "field");
  ctm_jw_cstring(w, g_field);
}

static void send(const char* port, ctm_json_writer* w) {
  ctm_jw_end_object(w);
  uint32_t len = ctm_jw_finish(w);
  if (len) ctm_emit_to(port, w->buf, len);
}

int32_t ctm_on_tick(int64_t now_us) {
  const IrrigationConfig* config = &g_control.config;
  double value[IRR_MAX_SENSORS];
  int have[IRR_MAX_SENSORS];
  for (int i = 0; i < config->sensor_count; ++i)
    have[i] = ctm_sensor(g_sensors[i], &value[i]) == CTM_OK;

  IrrigationDecision decision;
  irrigation_step(&g_control, now_us / 1000, value, have, &decision);
  if (decision.changed) {
    int32_t status = ctm_actuator(g_pump, decision.pump_on ? 1.0 : 0.0);
    if (decision.pump_on && status != CTM_OK) irrigation_pump_refused(&g_control, &decision);
  }

  int64_t t_ms = ctm_clock_wall_ms();
  char buf[256];
  ctm_json_writer w;
  for (int i = 0; i < config->sensor_count; ++i) {
    begin(&w, buf, sizeof buf, t_ms);
    ctm_jw_key(&w, "sensor");
    ctm_jw_cstring(&w, g_sensors[i]);
    ctm_jw_key(&w, "value");
    if (have[i] && decision.status[i] != SENSOR_RANGE)
      ctm_jw_f64(&w, value[i]);
    else
      ctm_jw_null(&w);
    ctm_jw_key(&w, "status");
    ctm_jw_cstring(&w, irrigation_status_name(decision.status[i]));
    send("readings", &w);
  }
  begin(&w, buf, sizeof buf, t_ms);
  ctm_jw_key(&w, "pump");
  ctm_jw_cstring(&w, g_pump);
  ctm_jw_key(&w, "on");
  ctm_jw_bool(&w, decision.pump_on);
  ctm_jw_key(&w, "reason");
  ctm_jw_cstring(&w, irrigation_reason_name(decision.reason));
  ctm_jw_key(&w, "control");
  if (decision.valid_count)
    ctm_jw_f64(&w, decision.control);
  else
    ctm_jw_null(&w);
  ctm_jw_key(&w, "valid_sensors");
  ctm_jw_i64(&w, decision.valid_count);
  ctm_jw_key(&w, "on_for_s");
  ctm_jw_i64(&w, decision.on_for_ms / 1000);
  send("pump", &w);
  return CTM_OK;
}
