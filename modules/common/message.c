#include "message.h"

// "values." + key, NUL-terminated, for the wrapped form.
static const char* wrapped(const char* key, char* buf, uint32_t cap) {
  static const char kPrefix[] = "values.";
  uint32_t n = 0;
  for (; kPrefix[n]; ++n) buf[n] = kPrefix[n];
  for (uint32_t i = 0; key[i] && n + 1 < cap; ++i) buf[n++] = key[i];
  buf[n] = '\0';
  return buf;
}

int message_f64(ctm_json_span message, const char* key, double* out) {
  char path[64];
  return ctm_json_get_f64(message, key, out) ||
         ctm_json_get_f64(message, wrapped(key, path, sizeof path), out);
}

int message_i64(ctm_json_span message, const char* key, int64_t* out) {
  char path[64];
  return ctm_json_get_i64(message, key, out) ||
         ctm_json_get_i64(message, wrapped(key, path, sizeof path), out);
}

int message_bool(ctm_json_span message, const char* key, int* out) {
  char path[64];
  return ctm_json_get_bool(message, key, out) ||
         ctm_json_get_bool(message, wrapped(key, path, sizeof path), out);
}

int32_t message_string(ctm_json_span message, const char* key, char* buf, uint32_t cap) {
  char path[64];
  int32_t n = ctm_json_get_string(message, key, buf, cap);
  return n >= 0 ? n : ctm_json_get_string(message, wrapped(key, path, sizeof path), buf, cap);
}
