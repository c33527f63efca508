// Reading fields of an incoming message. A payload may arrive bare (from a
// stage on the same node) or wrapped in the payload schema's envelope
// ({"node":..,"stage":..,"seq":..,"ts":..,"values":{...}}, docs/host-abi.md):
// lookups read the "values" object when there is one, so that the envelope's
// own members (its "seq", say) never shadow the message's.
#ifndef CONTINUUM_MODULES_MESSAGE_H
#define CONTINUUM_MODULES_MESSAGE_H

#include <stdint.h>

#include "continuum_json.h"

// The object the message's fields are in: "values" if present, else all of it.
ctm_json_span message_body(ctm_json_span message);

int message_f64(ctm_json_span message, const char* key, double* out);
int message_i64(ctm_json_span message, const char* key, int64_t* out);
int message_bool(ctm_json_span message, const char* key, int* out);
// NUL-terminated copy; returns the length or -1.
int32_t message_string(ctm_json_span message, const char* key, char* buf, uint32_t cap);

#endif
