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
 * CTM_OK or a negative code, which the host logs and counts):
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

/* Implemented by the module author (see the top of this file). */
CTM_MODULE_EXPORT(ctm_init) int32_t ctm_init(void);
CTM_MODULE_EXPORT(ctm_on_message)
int32_t ctm_on_message(const char* port, uint32_t port_len, const uint8_t* payload,
                       uint32_t payload_len);
CTM_MODULE_EXPORT(ctm_on_tick) int32_t ctm_on_tick(int64_t now_us);

/* Implemented by the SDK: returns a buffer of at least SIZE bytes in the
 * module's inbox, valid until the next ctm_alloc, or 0 if SIZE exceeds the
 * inbox (CTM_INBOX_BYTES, 4096 unless the module is built with another
 * -DCTM_INBOX_BYTES=...). The host calls it once per delivery and writes the
 * port name and the payload into it back to back. */
CTM_MODULE_EXPORT(ctm_alloc) void* ctm_alloc(uint32_t size);

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
