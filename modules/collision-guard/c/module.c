// collision-guard (edge or fog stage), C build. For each cycle from
// krc2-decode ("cycles" port) it computes the tool tip, the distances to the
// configured points (guard.c), writes the stop command to the controller's
// serial line when the distance falls below the safety distance, and emits the
// reading as JSON on "readings".
//
// Config: points ("x,y,z;x,y,z" in mm, default the prototype's
// "1680,2000,1499"), safety_mm (1500), hysteresis_mm (100), serial ("krc2").
// Output (identical text from the C, Rust and AssemblyScript builds; lengths
// in mm with one decimal):
//   {"seq":n,"tip":[x,y,z],"d":[d1,...],"min":d,"nearest":i,"unsafe":b,"stop":b,"skipped":k}
// A cycle with an error value (an axis null) is skipped: counted, no decision.
#include "continuum.h"
#include "continuum_json.h"
#include "guard.h"
#include "message.h"
#include "module_config.h"

static const char kStopCommand[] = "STOP\r\n";

static Guard g_guard;
static char g_serial[32];
static int64_t g_skipped;

// "x,y,z;x,y,z": numbers in groups of three; returns the number of points, or
// -1 if the text is malformed.
static int parse_points(const char* text, double points[][3], int max_points) {
  int count = 0, coordinate = 0;
  const char* p = text;
  while (*p) {
    while (*p == ' ' || *p == ',' || *p == ';') ++p;
    if (!*p) break;
    uint32_t len = 0;
    while (p[len] && p[len] != ',' && p[len] != ';' && p[len] != ' ') ++len;
    if (count == max_points || ctm_parse_f64(p, len, &points[count][coordinate]) != len) return -1;
    p += len;
    if (++coordinate == 3) {
      coordinate = 0;
      ++count;
    }
  }
  return coordinate == 0 ? count : -1;
}

int32_t ctm_init(void) {
  GuardConfig config;
  guard_default_config(&config);
  char text[GUARD_MAX_POINTS * 3 * 24];
  config_text("points", "1680,2000,1499", text, sizeof text);
  config.point_count = parse_points(text, config.points, GUARD_MAX_POINTS);
  config.safety_mm = config_f64("safety_mm", config.safety_mm);
  config.hysteresis_mm = config_f64("hysteresis_mm", config.hysteresis_mm);
  config_text("serial", "krc2", g_serial, sizeof g_serial);
  if (config.point_count <= 0) {
    ctm_log_str(CTM_LOG_ERROR, "collision-guard: points must be \"x,y,z;x,y,z...\" (mm)");
    return CTM_ERR_INVALID;
  }
  guard_init(&g_guard, &config);
  g_skipped = 0;
  return CTM_OK;
}

// Lengths go out rounded to 0.1 mm: t / 10.0 for an integer t prints as the
// plain decimal ("1499.9", "1680"), which the Rust and AssemblyScript builds
// reproduce with integer arithmetic.
static void write_length(ctm_json_writer* w, double mm) {
  ctm_jw_f64(w, (double)guard_round(mm * 10.0) / 10.0);
}

int32_t ctm_on_message(const char* port, uint32_t port_len, const uint8_t* payload,
                       uint32_t payload_len) {
  if (!ctm_port_is(port, port_len, "cycles")) return CTM_OK;
  static const char* const kAxes[6] = {"a1", "a2", "a3", "a4", "a5", "a6"};
  // Bare, or the "values" of an envelope (whose own "seq" is the node's).
  ctm_json_span message = message_body((ctm_json_span){(const char*)payload, payload_len});
  int64_t seq = 0, angle[6];
  ctm_json_get_i64(message, "seq", &seq);
  for (int i = 0; i < 6; ++i) {
    double degrees;
    if (!ctm_json_get_f64(message, kAxes[i], &degrees)) {
      ++g_skipped;  // error value (null) or missing: not a usable pose
      return CTM_OK;
    }
    angle[i] = guard_round(degrees * 100000.0);
  }
  GuardReading r;
  guard_step(&g_guard, angle, &r);
  if (r.stop) ctm_serial_send(g_serial, kStopCommand, sizeof kStopCommand - 1);

  char buf[512];
  ctm_json_writer w;
  ctm_jw_init(&w, buf, sizeof buf);
  ctm_jw_begin_object(&w);
  ctm_jw_key(&w, "seq");
  ctm_jw_i64(&w, seq);
  ctm_jw_key(&w, "tip");
  ctm_jw_begin_array(&w);
  for (int i = 0; i < 3; ++i) write_length(&w, r.tip[i]);
  ctm_jw_end_array(&w);
  ctm_jw_key(&w, "d");
  ctm_jw_begin_array(&w);
  for (int p = 0; p < g_guard.config.point_count; ++p) write_length(&w, r.distance[p]);
  ctm_jw_end_array(&w);
  ctm_jw_key(&w, "min");
  write_length(&w, r.min_distance);
  ctm_jw_key(&w, "nearest");
  ctm_jw_i64(&w, r.nearest);
  ctm_jw_key(&w, "unsafe");
  ctm_jw_bool(&w, r.unsafe);
  ctm_jw_key(&w, "stop");
  ctm_jw_bool(&w, r.stop);
  ctm_jw_key(&w, "skipped");
  ctm_jw_i64(&w, g_skipped);
  ctm_jw_end_object(&w);
  uint32_t len = ctm_jw_finish(&w);
  if (len) ctm_emit_to("readings", buf, len);
  return CTM_OK;
}

int32_t ctm_on_tick(int64_t now_us) {
  (void)now_us;
  return CTM_OK;
}
