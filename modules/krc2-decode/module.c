// krc2-decode (edge stage): reads the KR C2 controller's serial line each tick,
// decodes the 9-byte axis frames into seven-axis cycles (krc2_decoder.c) and
// emits each complete cycle on "cycles" and the decoder's counters on "status"
// whenever a problem counter changed.
//
// cycles: {"seq":n,"a1":deg,...,"a6":deg,"e1":value,"errors":k} with degrees in
//   the controller's sense; an axis outside its valid range is null and counted
//   in "errors" (a consumer must not use that cycle for safety decisions).
// Config: serial (port name, default "krc2").
#include "continuum.h"
#include "continuum_json.h"
#include "krc2_decoder.h"
#include "module_config.h"

static Krc2Decoder g_decoder;
static Krc2Counters g_reported;  // counters as of the last status message
static char g_serial[32];
static int64_t g_seq;

static const char* const kAxisKeys[KRC2_AXES] = {"a1", "a2", "a3", "a4", "a5", "a6", "e1"};

int32_t ctm_init(void) {
  config_text("serial", "krc2", g_serial, sizeof g_serial);
  krc2_init(&g_decoder);
  g_reported = g_decoder.counters;
  g_seq = 0;
  return CTM_OK;
}

int32_t ctm_on_message(const char* port, uint32_t port_len, const uint8_t* payload,
                       uint32_t payload_len) {
  (void)port, (void)port_len, (void)payload, (void)payload_len;
  return CTM_OK;  // input is the serial line, not messages
}

static void emit_cycle(void* context, const Krc2Cycle* cycle) {
  (void)context;
  char buf[256];
  ctm_json_writer w;
  ctm_jw_init(&w, buf, sizeof buf);
  ctm_jw_begin_object(&w);
  ctm_jw_key(&w, "seq");
  ctm_jw_i64(&w, ++g_seq);
  int errors = 0;
  for (int i = 0; i < KRC2_AXES; ++i) {
    ctm_jw_key(&w, kAxisKeys[i]);
    if (cycle->out_of_range & (1u << i)) {
      ctm_jw_null(&w);
      ++errors;
    } else {
      // value / 1e5 is the double nearest the exact decimal, so the text is the
      // wire value with at most five decimals.
      ctm_jw_f64(&w, (double)cycle->value[i] / KRC2_UNITS_PER_DEGREE);
    }
  }
  ctm_jw_key(&w, "errors");
  ctm_jw_i64(&w, errors);
  ctm_jw_end_object(&w);
  uint32_t len = ctm_jw_finish(&w);
  if (len) ctm_emit_to("cycles", buf, len);
}

static void emit_status(const Krc2Counters* c) {
  char buf[256];
  ctm_json_writer w;
  ctm_jw_init(&w, buf, sizeof buf);
  ctm_jw_begin_object(&w);
  ctm_jw_key(&w, "frames_ok");
  ctm_jw_i64(&w, c->frames_ok);
  ctm_jw_key(&w, "bad_frames");
  ctm_jw_i64(&w, c->bad_frames);
  ctm_jw_key(&w, "bytes_skipped");
  ctm_jw_i64(&w, c->bytes_skipped);
  ctm_jw_key(&w, "cycles_ok");
  ctm_jw_i64(&w, c->cycles_ok);
  ctm_jw_key(&w, "cycles_dropped");
  ctm_jw_i64(&w, c->cycles_dropped);
  ctm_jw_key(&w, "range_errors");
  ctm_jw_i64(&w, c->range_errors);
  ctm_jw_end_object(&w);
  uint32_t len = ctm_jw_finish(&w);
  if (len) ctm_emit_to("status", buf, len);
}

int32_t ctm_on_tick(int64_t now_us) {
  (void)now_us;
  uint8_t bytes[128];
  // Bounded: a flooding line must not keep the stage in one tick forever.
  for (int reads = 0; reads < 64; ++reads) {
    int32_t n = ctm_serial_recv(g_serial, bytes, sizeof bytes);
    if (n <= 0) break;
    krc2_feed(&g_decoder, bytes, (size_t)n, emit_cycle, 0);
  }
  const Krc2Counters* now = &g_decoder.counters;
  if (now->bad_frames != g_reported.bad_frames || now->bytes_skipped != g_reported.bytes_skipped ||
      now->cycles_dropped != g_reported.cycles_dropped ||
      now->range_errors != g_reported.range_errors) {
    emit_status(now);
    g_reported = *now;
  }
  return CTM_OK;
}
