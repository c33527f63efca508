/* Continuum guest SDK: what a stage module written in C sees of its host.
 *
 * The same source builds two ways (sdk/cmake/ContinuumModule.cmake):
 *   - wasm32: every ctm_* host function below is a wasm import from module
 *     "continuum"; the host checks every pointer and length you pass.
 *   - native shared library: the same functions call through a table of
 *     host function pointers that the host installs when it loads the
 *     library (ctm_native_install, sdk/src/ctm_native.c).
 *
 * The functions are declared from sdk/abi/continuum_abi.def, the one table of
 * the host interface; docs/host-abi.md is the reference. Strings are
 * (pointer, length) pairs and need not be NUL-terminated.
 *
 * A module implements three functions (the host calls them; each returns
 * CTM_OK or a negative code, which the host logs and counts), and may
 * implement the two state hand-over hooks (ctm_state_save / ctm_state_load,
 * see below):
 *   int32_t ctm_init(void);
 *       once, after loading and before anything else.
 *   int32_t ctm_on_message(const char* port, uint32_t port_len,
 *                          const uint8_t* payload, uint32_t payload_len);
 *       a message arrived on input PORT. Both buffers live in the SDK's
 *       inbox and are valid only until this call returns.
 *   int32_t ctm_on_tick(int64_t now_us);
 *       periodic tick; NOW_US is the monotonic clock (ctm_clock_monotonic_us).
 * The SDK itself exports ctm_alloc (see below) so the host can hand bytes in
 * without knowing the module's allocator.
 */
#ifndef CONTINUUM_H
#define CONTINUUM_H

#include <stddef.h>
#include <stdint.h>

#include "continuum_abi_macros.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes: CTM_ERR_OK (= CTM_OK), CTM_ERR_NOT_GRANTED, ... */
enum ctm_status {
#define CTM_ERROR(name, value, text, doc) CTM_ERR_##name = value,
#include "continuum_errors.def"
#undef CTM_ERROR
};
#define CTM_OK CTM_ERR_OK

enum ctm_log_level { CTM_LOG_DEBUG = 0, CTM_LOG_INFO = 1, CTM_LOG_WARN = 2, CTM_LOG_ERROR = 3 };

#if defined(__wasm__)
#define CTM_HOST_FN(name) __attribute__((import_module(CTM_ABI_MODULE), import_name(#name)))
#define CTM_MODULE_EXPORT(name) __attribute__((export_name(#name)))
#else
#define CTM_HOST_FN(name)
#define CTM_MODULE_EXPORT(name) __attribute__((visibility("default")))
#endif

/* The host functions, one per entry of the table:
 *   int32_t ctm_log(int32_t level, const char* msg, uint32_t msg_len);
 *   int64_t ctm_clock_monotonic_us(void);
 *   int64_t ctm_clock_wall_ms(void);
 *   int32_t ctm_sensor_read(const char* name, uint32_t name_len, double* value);
 *   int32_t ctm_actuator_set(const char* name, uint32_t name_len, double value);
 *   int32_t ctm_serial_read(const char* name, uint32_t name_len, void* buf, uint32_t cap);
 *   int32_t ctm_serial_write(const char* name, uint32_t name_len, const void* data, uint32_t len);
 *   int32_t ctm_emit(const char* port, uint32_t port_len, const void* payload, uint32_t payload_len);
 *   int32_t ctm_config_get(const char* key, uint32_t key_len, void* buf, uint32_t cap);
 *   int32_t ctm_kv_get(const char* key, uint32_t key_len, void* buf, uint32_t cap);
 *   int32_t ctm_kv_put(const char* key, uint32_t key_len, const void* value, uint32_t value_len);
 *   int32_t ctm_kv_delete(const char* key, uint32_t key_len);
 *   int32_t ctm_random_bytes(void* buf, uint32_t len);
 * (tests/host checks this list against the table at compile time.) */
#define CTM_IMPORT(name, result, grant, n, params, doc) \
  CTM_HOST_FN(name) CTM_ABI_CTYPE(result) ctm_##name(CTM_ABI_PARAM_LIST(n, params));
#include "continuum_abi.def"
#undef CTM_IMPORT

/* The module's exports, one per CTM_EXPORT entry of the table:
 *   void*   ctm_alloc(uint32_t size);                        (the SDK)
 *   int32_t ctm_init(void);                                  (the module author)
 *   int32_t ctm_on_message(const char* port, uint32_t port_len,
 *                          const uint8_t* payload, uint32_t payload_len);
 *   int32_t ctm_on_tick(int64_t now_us);
 *   int32_t ctm_state_save(uint8_t* buf, uint32_t cap);      (optional hook)
 *   int32_t ctm_state_load(const uint8_t* state, uint32_t len);  (optional hook)
 * ctm_alloc (sdk/src/ctm_runtime.c) returns a buffer of at least SIZE bytes
 * in the module's inbox, valid until the next ctm_alloc, or 0 if SIZE exceeds
 * the inbox (CTM_INBOX_BYTES, 4096 unless the module is built with another
 * -DCTM_INBOX_BYTES=...). The host calls it once per delivery and writes the
 * port name and the payload into it back to back.
 *
 * State hand-over between two versions of a module (docs/host-abi.md): the
 * host calls the old version's ctm_state_save(0, 0) to learn the length N,
 * then ctm_state_save(ctm_alloc(N), N) to fill the buffer, and hands the
 * bytes to the new version through ctm_state_load(ctm_alloc(N), N). Write a
 * version number first so a later version can read an earlier one's state;
 * ctm_state_writer / ctm_state_reader below do the bookkeeping. */
#define CTM_EXPORT(name, result, required, n, params, doc) \
  CTM_MODULE_EXPORT(ctm_##name) CTM_ABI_CTYPE(result) ctm_##name(CTM_ABI_PARAM_LIST(n, params));
#include "continuum_abi.def"
#undef CTM_EXPORT

/* ---- State hand-over helpers: fixed-width little-endian fields, so the
 * state reads the same on every build (wasm32, native 64-bit). ---- */

typedef struct {
  uint8_t* buf;   /* 0 when only measuring */
  uint32_t cap;
  uint32_t len;   /* bytes the state needs so far (may exceed cap) */
} ctm_state_writer;

static inline void ctm_sw_init(ctm_state_writer* w, uint8_t* buf, uint32_t cap) {
  w->buf = buf;
  w->cap = buf ? cap : 0;
  w->len = 0;
}
static inline void ctm_sw_bytes(ctm_state_writer* w, const void* data, uint32_t n) {
  if (w->buf && w->len <= w->cap && n <= w->cap - w->len) __builtin_memcpy(w->buf + w->len, data, n);
  w->len += n;
}
static inline void ctm_sw_u32(ctm_state_writer* w, uint32_t v) {
  uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  ctm_sw_bytes(w, b, 4);
}
static inline void ctm_sw_u64(ctm_state_writer* w, uint64_t v) {
  ctm_sw_u32(w, (uint32_t)v);
  ctm_sw_u32(w, (uint32_t)(v >> 32));
}
static inline void ctm_sw_f64(ctm_state_writer* w, double v) {
  uint64_t bits;
  __builtin_memcpy(&bits, &v, 8);
  ctm_sw_u64(w, bits);
}
/* What ctm_state_save returns: the full length (the host compares it with CAP). */
static inline int32_t ctm_sw_finish(const ctm_state_writer* w) {
  return w->len > 0x7FFFFFFF ? CTM_ERR_TOO_LARGE : (int32_t)w->len;
}

typedef struct {
  const uint8_t* data;
  uint32_t len;
  uint32_t pos;
  int failed;  /* set when a read ran past the end: the state is malformed */
} ctm_state_reader;

static inline void ctm_sr_init(ctm_state_reader* r, const uint8_t* data, uint32_t len) {
  r->data = data;
  r->len = len;
  r->pos = 0;
  r->failed = 0;
}
static inline void ctm_sr_bytes(ctm_state_reader* r, void* out, uint32_t n) {
  if (r->failed || n > r->len - r->pos) {
    r->failed = 1;
    __builtin_memset(out, 0, n);
    return;
  }
  __builtin_memcpy(out, r->data + r->pos, n);
  r->pos += n;
}
static inline uint32_t ctm_sr_u32(ctm_state_reader* r) {
  uint8_t b[4];
  ctm_sr_bytes(r, b, 4);
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}
static inline uint64_t ctm_sr_u64(ctm_state_reader* r) {
  uint64_t lo = ctm_sr_u32(r);
  return lo | (uint64_t)ctm_sr_u32(r) << 32;
}
static inline double ctm_sr_f64(ctm_state_reader* r) {
  uint64_t bits = ctm_sr_u64(r);
  double v;
  __builtin_memcpy(&v, &bits, 8);
  return v;
}
/* CTM_OK when every read fitted and nothing is left over, else CTM_ERR_INVALID. */
static inline int32_t ctm_sr_finish(const ctm_state_reader* r) {
  return !r->failed && r->pos == r->len ? CTM_OK : CTM_ERR_INVALID;
}

/* ---- Conveniences over the raw functions, for NUL-terminated names. ---- */

static inline uint32_t ctm_strlen(const char* s) { return (uint32_t)__builtin_strlen(s); }

static inline int32_t ctm_log_str(int32_t level, const char* msg) {
  return ctm_log(level, msg, ctm_strlen(msg));
}
static inline int32_t ctm_sensor(const char* name, double* value) {
  return ctm_sensor_read(name, ctm_strlen(name), value);
}
static inline int32_t ctm_actuator(const char* name, double value) {
  return ctm_actuator_set(name, ctm_strlen(name), value);
}
static inline int32_t ctm_emit_to(const char* port, const void* payload, uint32_t len) {
  return ctm_emit(port, ctm_strlen(port), payload, len);
}
static inline int32_t ctm_serial_send(const char* name, const void* data, uint32_t len) {
  return ctm_serial_write(name, ctm_strlen(name), data, len);
}
static inline int32_t ctm_serial_recv(const char* name, void* buf, uint32_t cap) {
  return ctm_serial_read(name, ctm_strlen(name), buf, cap);
}
/* Reads config KEY as text into BUF and NUL-terminates it (CAP includes the
 * NUL); returns the text length or a negative code. */
static inline int32_t ctm_config_str(const char* key, char* buf, uint32_t cap) {
  if (cap == 0) return CTM_ERR_TOO_LARGE;
  int32_t n = ctm_config_get(key, ctm_strlen(key), buf, cap - 1);
  if (n >= 0) buf[n] = '\0';
  return n;
}
static inline int32_t ctm_port_is(const char* port, uint32_t port_len, const char* name) {
  uint32_t n = ctm_strlen(name);
  return n == port_len && __builtin_memcmp(port, name, n) == 0;
}

#ifdef __cplusplus
}
#endif

#endif
