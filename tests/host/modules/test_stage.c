/* The host tests' stage module, built to wasm and to a native library from
 * this one source. Ticks run a small soil-moisture loop; messages on "cmd"
 * make it try one host call and report the status it got on port "result"
 * as {"op":NAME,"code":STATUS}; messages on "numbers" re-format numbers. */
#include "continuum.h"
#include "continuum_json.h"

static double threshold = 0.3;
static int64_t ticks;

static int streq(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return *a == *b;
}

static int32_t emit_writer(const char* port, ctm_json_writer* w) {
  uint32_t n = ctm_jw_finish(w);
  if (n == 0) return CTM_ERR_TOO_LARGE;
  return ctm_emit_to(port, w->buf, n);
}

/* Reports a status; the handler itself succeeds (the status is the news). */
static int32_t report(const char* op, int32_t code) {
  char buf[96];
  ctm_json_writer w;
  ctm_jw_init(&w, buf, sizeof buf);
  ctm_jw_begin_object(&w);
  ctm_jw_key(&w, "op");
  ctm_jw_cstring(&w, op);
  ctm_jw_key(&w, "code");
  ctm_jw_i64(&w, code);
  ctm_jw_end_object(&w);
  emit_writer("result", &w);
  return CTM_OK;
}

int32_t ctm_init(void) {
  char text[32];
  int32_t n = ctm_config_str("threshold", text, sizeof text);
  if (n > 0 && ctm_parse_f64(text, (uint32_t)n, &threshold) != (uint32_t)n) return CTM_ERR_INVALID;
  char saved[CTM_I64_TEXT_MAX];
  n = ctm_kv_get("ticks", 5, saved, sizeof saved);
  if (n > 0) ctm_parse_i64(saved, (uint32_t)n, &ticks);
  ctm_log_str(CTM_LOG_INFO, "test stage ready");
  return CTM_OK;
}

int32_t ctm_on_tick(int64_t now_us) {
  double moisture = 0;
  int32_t r = ctm_sensor("soil-1", &moisture);
  ++ticks;
  char count[CTM_I64_TEXT_MAX];
  ctm_kv_put("ticks", 5, count, ctm_fmt_i64(count, sizeof count, ticks));
  if (r != CTM_OK) return report("sensor_read", r);
  int32_t pump = ctm_actuator("pump-1", moisture < threshold ? 1 : 0);

  char buf[160];
  ctm_json_writer w;
  ctm_jw_init(&w, buf, sizeof buf);
  ctm_jw_begin_object(&w);
  ctm_jw_key(&w, "moisture");
  ctm_jw_f64(&w, moisture);
  ctm_jw_key(&w, "pump_status");
  ctm_jw_i64(&w, pump);
  ctm_jw_key(&w, "tick");
  ctm_jw_i64(&w, ticks);
  ctm_jw_key(&w, "now_us");
  ctm_jw_i64(&w, now_us);
  ctm_jw_end_object(&w);
  return emit_writer("readings", &w);
}

static int32_t run_command(const char* action) {
  double v = 0;
  if (streq(action, "stop")) return report("stop", ctm_actuator("robot-stop", 1));
  if (streq(action, "clear")) return report("clear", ctm_actuator("robot-stop", 0));
  if (streq(action, "stop-and-clear")) {
    report("stop", ctm_actuator("robot-stop", 1));
    return report("clear", ctm_actuator("robot-stop", 0));
  }
  if (streq(action, "pump-on")) return report("pump-on", ctm_actuator("pump-1", 1));
  if (streq(action, "pump-off")) return report("pump-off", ctm_actuator("pump-1", 0));
  if (streq(action, "secret")) return report("secret", ctm_sensor("secret", &v));
  if (streq(action, "nan")) return report("nan", ctm_actuator("pump-1", __builtin_nan("")));
  if (streq(action, "random")) {
    uint8_t bytes[8];
    int32_t r = ctm_random_bytes(bytes, sizeof bytes);
    return report("random", r == 8 ? bytes[0] : r);
  }
  if (streq(action, "kv-big")) {
    static char big[2000];
    return report("kv-big", ctm_kv_put("big", 3, big, sizeof big));
  }
  if (streq(action, "serial-echo")) {
    char buf[64];
    int32_t n = ctm_serial_recv("krc2", buf, sizeof buf);
    if (n < 0) return report("serial-read", n);
    for (int32_t i = 0; i < n; ++i) {
      if (buf[i] >= 'a' && buf[i] <= 'z') buf[i] = (char)(buf[i] - 'a' + 'A');
    }
    return report("serial-write", ctm_serial_send("krc2", buf, (uint32_t)n));
  }
#if defined(__wasm__)
  /* Only the sandboxed build: these addresses lie past the module's memory
   * (one 64 KiB page). A native build would simply crash on them. */
  if (streq(action, "bad-pointer")) {
    report("emit-bad-payload", ctm_emit("result", 6, (const void*)0x7FFFFFF0, 64));
    report("sensor-bad-name", ctm_sensor_read((const char*)0x00FFFF00u, 4, &v));
    report("sensor-bad-out", ctm_sensor_read("soil-1", 6, (double*)0x0000FFFCu));
    return report("emit-wrapping", ctm_emit("result", 6, (const void*)0xFFFFFFF0u, 0x20));
  }
  if (streq(action, "spin")) { /* never returns: the host's fuel limit must stop it */
    volatile uint32_t n = 0;
    for (;;) n = n + 1;
  }
#endif
  return CTM_ERR_INVALID;
}

/* Reads every member of "values" as a number and writes them back: the
 * wasm and native builds must produce the same text. */
static int32_t reformat_numbers(ctm_json_span msg) {
  ctm_json_span values, name, value;
  if (!ctm_json_find(msg, "values", &values)) return CTM_ERR_INVALID;
  char buf[1024];
  ctm_json_writer w;
  ctm_jw_init(&w, buf, sizeof buf);
  ctm_jw_begin_object(&w);
  uint32_t cursor = 0;
  char key[32];
  while (ctm_json_next_member(values, &cursor, &name, &value)) {
    double d;
    if (name.len >= sizeof key || ctm_parse_f64(value.ptr, value.len, &d) != value.len)
      return CTM_ERR_INVALID;
    __builtin_memcpy(key, name.ptr, name.len);
    key[name.len] = '\0';
    ctm_jw_key(&w, key);
    ctm_jw_f64(&w, d);
  }
  ctm_jw_end_object(&w);
  return emit_writer("numbers-out", &w);
}

int32_t ctm_on_message(const char* port, uint32_t port_len, const uint8_t* payload,
                       uint32_t payload_len) {
  ctm_json_span msg = {(const char*)payload, payload_len};
  if (ctm_port_is(port, port_len, "numbers")) return reformat_numbers(msg);
  if (!ctm_port_is(port, port_len, "cmd")) return CTM_ERR_NOT_FOUND;
  char action[32];
  if (ctm_json_get_string(msg, "values.action", action, sizeof action) < 0) return CTM_ERR_INVALID;
  return run_command(action);
}
