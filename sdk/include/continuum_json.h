/* Number and JSON helpers for modules, without printf or a libc.
 *
 * Numbers: deterministic text, identical in the wasm and native builds
 * (pure integer arithmetic, no locale, no printf):
 *   - ctm_fmt_f64 writes the shortest decimal that reads back as exactly
 *     the same double, in JavaScript's Number-to-string style ("0.31",
 *     "1e+21", "1.5e-7"), except that -0 is written "-0" (so it round-trips)
 *     and NaN/infinities, which JSON cannot carry, are written "null".
 *   - ctm_parse_f64 rounds correctly (nearest, ties to even) for inputs of up
 *     to 40 significant digits; longer inputs are cut at 40 digits first.
 *
 * JSON: a writer for building payloads into a caller's buffer, and a small
 * reader that finds members by dotted path ("values.moisture") in a payload
 * (docs/host-abi.md, "Payload schema"). The reader does not build a tree and
 * does not allocate; it scans the text on each lookup.
 */
#ifndef CONTINUUM_JSON_H
#define CONTINUUM_JSON_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest text ctm_fmt_f64 / ctm_fmt_i64 can produce ("-2.2250738585072014e-308"). */
#define CTM_F64_TEXT_MAX 25
#define CTM_I64_TEXT_MAX 20

/* Each formatter writes into BUF (no NUL) and returns the length, or 0 if CAP
 * is too small (nothing useful is written then). */
uint32_t ctm_fmt_i64(char* buf, uint32_t cap, int64_t v);
uint32_t ctm_fmt_f64(char* buf, uint32_t cap, double v);

/* Each parser reads a number at the start of TEXT (JSON number syntax;
 * ctm_parse_i64 accepts integers only) and returns how many characters it
 * used, or 0 if there is no number there (or an integer overflows). */
uint32_t ctm_parse_i64(const char* text, uint32_t len, int64_t* out);
uint32_t ctm_parse_f64(const char* text, uint32_t len, double* out);

/* ---- Writer ---- */

#define CTM_JSON_MAX_DEPTH 16

typedef struct ctm_json_writer {
  char* buf;
  uint32_t cap;
  uint32_t len;
  uint32_t depth;
  uint32_t has_items; /* bit d: the container at depth d already has an item */
  uint8_t after_key;
  uint8_t failed; /* buffer too small or nesting too deep */
} ctm_json_writer;

void ctm_jw_init(ctm_json_writer* w, char* buf, uint32_t cap);
void ctm_jw_begin_object(ctm_json_writer* w);
void ctm_jw_end_object(ctm_json_writer* w);
void ctm_jw_begin_array(ctm_json_writer* w);
void ctm_jw_end_array(ctm_json_writer* w);
/* A member name inside an object (NUL-terminated); the next value is its value. */
void ctm_jw_key(ctm_json_writer* w, const char* key);
void ctm_jw_string(ctm_json_writer* w, const char* s, uint32_t len);
void ctm_jw_cstring(ctm_json_writer* w, const char* s);
void ctm_jw_f64(ctm_json_writer* w, double v);
void ctm_jw_i64(ctm_json_writer* w, int64_t v);
void ctm_jw_bool(ctm_json_writer* w, int v);
void ctm_jw_null(ctm_json_writer* w);
/* Length of the finished text, or 0 if anything failed or a container is
 * still open. */
uint32_t ctm_jw_finish(const ctm_json_writer* w);

/* ---- Reader ---- */

typedef struct ctm_json_span {
  const char* ptr;
  uint32_t len;
} ctm_json_span;

enum ctm_json_kind {
  CTM_JSON_INVALID = 0,
  CTM_JSON_OBJECT,
  CTM_JSON_ARRAY,
  CTM_JSON_STRING,
  CTM_JSON_NUMBER,
  CTM_JSON_TRUE,
  CTM_JSON_FALSE,
  CTM_JSON_NULL
};

/* Kind of the value that starts SPAN (after white space). */
enum ctm_json_kind ctm_json_kind_of(ctm_json_span value);

/* Finds PATH ("values.moisture": member names separated by '.') starting
 * from the object in JSON; stores the value's text in *OUT. Returns 1 if
 * found, 0 if not (or the text is malformed on the way). An empty PATH names
 * JSON itself (so the getters below also convert a value found with
 * ctm_json_next_member; an empty span is missing). */
int ctm_json_find(ctm_json_span json, const char* path, ctm_json_span* out);

/* ctm_json_find + conversion. Return 1 on success, 0 if missing or of
 * another type. */
int ctm_json_get_f64(ctm_json_span json, const char* path, double* out);
int ctm_json_get_i64(ctm_json_span json, const char* path, int64_t* out);
int ctm_json_get_bool(ctm_json_span json, const char* path, int* out);
/* Copies the unescaped string into BUF, NUL-terminated; returns its length,
 * or -1 if missing, not a string, or longer than CAP - 1. \uXXXX escapes
 * are decoded to UTF-8. */
int32_t ctm_json_get_string(ctm_json_span json, const char* path, char* buf, uint32_t cap);

/* Iterates the members of an object: start with *cursor = 0; each call stores
 * the next member's raw name (without quotes, escapes left as they are) and
 * value and returns 1, or returns 0 at the end. */
int ctm_json_next_member(ctm_json_span object, uint32_t* cursor, ctm_json_span* name,
                         ctm_json_span* value);

#ifdef __cplusplus
}
#endif

#endif
