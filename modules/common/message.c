#include "message.h"

ctm_json_span message_body(ctm_json_span message) {
  ctm_json_span values;
  if (ctm_json_find(message, "values", &values) && ctm_json_kind_of(values) == CTM_JSON_OBJECT)
    return values;
  return message;
}

int message_f64(ctm_json_span message, const char* key, double* out) {
  return ctm_json_get_f64(message_body(message), key, out);
}

int message_i64(ctm_json_span message, const char* key, int64_t* out) {
  return ctm_json_get_i64(message_body(message), key, out);
}

int message_bool(ctm_json_span message, const char* key, int* out) {
  return ctm_json_get_bool(message_body(message), key, out);
}

int32_t message_string(ctm_json_span message, const char* key, char* buf, uint32_t cap) {
  return ctm_json_get_string(message_body(message), key, buf, cap);
}
