/* A JSON writer into a fixed buffer and a scanning reader for payloads.
 * Neither allocates; the reader re-scans the text for each lookup, which is
 * cheap for the small payloads a stage handles. */
#include "continuum_json.h"

/* The few helpers every key, value and scanned character goes through are
 * inlined: modules are built with -Oz, which keeps them as calls otherwise,
 * and a call costs a wasm interpreter several times what these bodies do. */
#define CTM_HOT static inline __attribute__((always_inline))

/* ---- writer ---- */

static void put(ctm_json_writer* w, const char* s, uint32_t n) {
  if (w->failed) return;
  if (n > w->cap - w->len) {
    w->failed = 1;
    return;
  }
  __builtin_memcpy(w->buf + w->len, s, n);
  w->len += n;
}

CTM_HOT void put_char(ctm_json_writer* w, char c) {
  if (w->failed) return;
  if (w->len >= w->cap) {
    w->failed = 1;
    return;
  }
  w->buf[w->len++] = c;
}

/* Separates a new value from the previous item of its container. */
CTM_HOT void before_value(ctm_json_writer* w) {
  if (w->after_key) {
    w->after_key = 0;
    return;
  }
  uint32_t bit = 1u << w->depth;
  if (w->has_items & bit) put_char(w, ',');
  w->has_items |= bit;
}

void ctm_jw_init(ctm_json_writer* w, char* buf, uint32_t cap) {
  w->buf = buf;
  w->cap = cap;
  w->len = 0;
  w->depth = 0;
  w->has_items = 0;
  w->after_key = 0;
  w->failed = 0;
}

static void begin(ctm_json_writer* w, char open) {
  before_value(w);
  if (w->depth + 1 >= CTM_JSON_MAX_DEPTH) {
    w->failed = 1;
    return;
  }
  put_char(w, open);
  w->depth++;
  w->has_items &= ~(1u << w->depth);
}

static void end(ctm_json_writer* w, char close) {
  if (w->depth == 0 || w->after_key) {
    w->failed = 1;
    return;
  }
  put_char(w, close);
  w->depth--;
}

void ctm_jw_begin_object(ctm_json_writer* w) { begin(w, '{'); }
void ctm_jw_end_object(ctm_json_writer* w) { end(w, '}'); }
void ctm_jw_begin_array(ctm_json_writer* w) { begin(w, '['); }
void ctm_jw_end_array(ctm_json_writer* w) { end(w, ']'); }

/* 1 for the bytes a string carries as they are: not '"', '\\', a control
 * character or the terminating zero. One table load per character instead
 * of four compares. */
static const unsigned char kPlain[256] = {
#define CTM_PLAIN16(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
    CTM_PLAIN16(0), CTM_PLAIN16(0),
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x22 '"' */
    CTM_PLAIN16(1), CTM_PLAIN16(1),
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x5c '\\' */
    CTM_PLAIN16(1), CTM_PLAIN16(1), CTM_PLAIN16(1), CTM_PLAIN16(1), CTM_PLAIN16(1),
    CTM_PLAIN16(1), CTM_PLAIN16(1), CTM_PLAIN16(1), CTM_PLAIN16(1), CTM_PLAIN16(1),
#undef CTM_PLAIN16
};

static void put_string(ctm_json_writer* w, const char* s, uint32_t n) {
  static const char hex[] = "0123456789abcdef";
  put_char(w, '"');
  /* Runs without escapes (all of a typical name or value) go in one copy:
   * a character at a time costs several times more in a wasm interpreter. */
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t run = i;
    while (run < n && kPlain[(unsigned char)s[run]]) ++run;
    if (run > i) {
      put(w, s + i, run - i);
      i = run;
      if (i == n) break;
    }
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      char esc[2] = {'\\', (char)c};
      put(w, esc, 2);
    } else if (c == '\n') {
      put(w, "\\n", 2);
    } else if (c == '\r') {
      put(w, "\\r", 2);
    } else if (c == '\t') {
      put(w, "\\t", 2);
    } else if (c < 0x20) {
      char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      put(w, esc, 6);
    } else {
      put_char(w, (char)c);
    }
  }
  put_char(w, '"');
}

/* A C string, then SUFFIX unless it is 0 (the ':' after a key): one pass
 * finds both its end and whether it needs escapes (keys and names never do),
 * and the quoted text goes in with one capacity check. */
static void put_cstring(ctm_json_writer* w, const char* s, char suffix) {
  const char* p = s;
  while (kPlain[(unsigned char)*p]) ++p;
  if (*p) {
    put_string(w, s, (uint32_t)__builtin_strlen(s));
    if (suffix) put_char(w, suffix);
    return;
  }
  if (w->failed) return;
  uint32_t n = (uint32_t)(p - s);
  uint32_t total = n + 2 + (suffix != 0);
  if (total > w->cap - w->len) {
    w->failed = 1;
    return;
  }
  char* out = w->buf + w->len;
  out[0] = '"';
  __builtin_memcpy(out + 1, s, n);
  out[n + 1] = '"';
  if (suffix) out[n + 2] = suffix;
  w->len += total;
}

void ctm_jw_key(ctm_json_writer* w, const char* key) {
  before_value(w);
  put_cstring(w, key, ':');
  w->after_key = 1;
}

void ctm_jw_string(ctm_json_writer* w, const char* s, uint32_t len) {
  before_value(w);
  put_string(w, s, len);
}

void ctm_jw_cstring(ctm_json_writer* w, const char* s) {
  before_value(w);
  put_cstring(w, s, 0);
}

void ctm_jw_f64(ctm_json_writer* w, double v) {
  char text[32];
  before_value(w);
  put(w, text, ctm_fmt_f64(text, sizeof text, v));
}

void ctm_jw_i64(ctm_json_writer* w, int64_t v) {
  char text[CTM_I64_TEXT_MAX];
  before_value(w);
  put(w, text, ctm_fmt_i64(text, sizeof text, v));
}

void ctm_jw_bool(ctm_json_writer* w, int v) {
  before_value(w);
  if (v) {
    put(w, "true", 4);
  } else {
    put(w, "false", 5);
  }
}

void ctm_jw_null(ctm_json_writer* w) {
  before_value(w);
  put(w, "null", 4);
}

uint32_t ctm_jw_finish(const ctm_json_writer* w) {
  if (w->failed || w->depth != 0 || w->after_key) return 0;
  return w->len;
}

/* ---- reader ----
 *
 * The scanners work on a [p, end) pointer pair, not on the span: in wasm32 a
 * struct argument goes through a copy in linear memory, and these run for
 * every character of every message (per character a handful of wasm
 * instructions, not a call). */

CTM_HOT int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

CTM_HOT const char* skip_ws(const char* p, const char* end) {
  while (p < end && is_ws(*p)) ++p;
  return p;
}

/* Just past the string starting at *p == '"', or 0 if unterminated. */
static const char* skip_string(const char* p, const char* end) {
  for (++p; p < end; ++p) {
    char c = *p;
    if (c == '"') return p + 1;
    if (c == '\\') ++p;
  }
  return 0;
}

/* Just past the value starting at p (after white space), or 0 if malformed. */
static const char* skip_value(const char* p, const char* end) {
  if (p >= end) return 0;
  char c = *p;
  if (c == '"') return skip_string(p, end);
  if (c == '{' || c == '[') {
    uint32_t depth = 0;
    while (p < end) {
      char d = *p;
      if (d == '"') {
        p = skip_string(p, end);
        if (!p) return 0;
        continue;
      }
      if (d == '{' || d == '[') {
        ++depth;
      } else if (d == '}' || d == ']') {
        if (--depth == 0) return p + 1;
      }
      ++p;
    }
    return 0;
  }
  /* number or literal: up to the next delimiter */
  const char* start = p;
  while (p < end) {
    char d = *p;
    if (d == ',' || d == '}' || d == ']' || is_ws(d)) break;
    ++p;
  }
  return p > start ? p : 0;
}

enum ctm_json_kind ctm_json_kind_of(ctm_json_span v) {
  const char* end = v.ptr + v.len;
  const char* p = skip_ws(v.ptr, end);
  if (p >= end) return CTM_JSON_INVALID;
  switch (*p) {
    case '{': return CTM_JSON_OBJECT;
    case '[': return CTM_JSON_ARRAY;
    case '"': return CTM_JSON_STRING;
    case 't': return CTM_JSON_TRUE;
    case 'f': return CTM_JSON_FALSE;
    case 'n': return CTM_JSON_NULL;
    default: return (*p == '-' || (*p >= '0' && *p <= '9')) ? CTM_JSON_NUMBER : CTM_JSON_INVALID;
  }
}

int ctm_json_next_member(ctm_json_span obj, uint32_t* cursor, ctm_json_span* name,
                         ctm_json_span* value) {
  const char* end = obj.ptr + obj.len;
  const char* p = obj.ptr + *cursor;
  if (*cursor == 0) {
    p = skip_ws(p, end);
    if (p >= end || *p != '{') return 0;
    ++p;
  }
  p = skip_ws(p, end);
  if (p < end && *p == ',') p = skip_ws(p + 1, end);
  if (p >= end || *p != '"') return 0; /* '}' or malformed */
  const char* name_end = skip_string(p, end);
  if (!name_end) return 0;
  name->ptr = p + 1;
  name->len = (uint32_t)(name_end - p - 2);
  p = skip_ws(name_end, end);
  if (p >= end || *p != ':') return 0;
  p = skip_ws(p + 1, end);
  const char* value_end = skip_value(p, end);
  if (!value_end) return 0;
  value->ptr = p;
  value->len = (uint32_t)(value_end - p);
  *cursor = (uint32_t)(value_end - obj.ptr);
  return 1;
}

/* Whether the N bytes at A and B are equal (a loop, not a memcmp call). */
static int same_bytes(const char* a, const char* b, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return 0;
  return 1;
}

int ctm_json_find(ctm_json_span json, const char* path, ctm_json_span* out) {
  ctm_json_span cur = json;
  while (*path) {
    const char* dot = path;
    while (*dot && *dot != '.') ++dot;
    uint32_t want = (uint32_t)(dot - path);
    uint32_t cursor = 0;
    ctm_json_span name, value;
    int found = 0;
    while (ctm_json_next_member(cur, &cursor, &name, &value)) {
      if (name.len == want && same_bytes(name.ptr, path, want)) {
        found = 1;
        break;
      }
    }
    if (!found) return 0;
    cur = value;
    path = *dot ? dot + 1 : dot;
  }
  *out = cur;
  return 1;
}

int ctm_json_get_f64(ctm_json_span json, const char* path, double* out) {
  ctm_json_span v;
  if (!ctm_json_find(json, path, &v) || ctm_json_kind_of(v) != CTM_JSON_NUMBER) return 0;
  return ctm_parse_f64(v.ptr, v.len, out) == v.len;
}

int ctm_json_get_i64(ctm_json_span json, const char* path, int64_t* out) {
  ctm_json_span v;
  if (!ctm_json_find(json, path, &v) || ctm_json_kind_of(v) != CTM_JSON_NUMBER) return 0;
  return ctm_parse_i64(v.ptr, v.len, out) == v.len;
}

int ctm_json_get_bool(ctm_json_span json, const char* path, int* out) {
  ctm_json_span v;
  if (!ctm_json_find(json, path, &v)) return 0;
  enum ctm_json_kind k = ctm_json_kind_of(v);
  if (k != CTM_JSON_TRUE && k != CTM_JSON_FALSE) return 0;
  *out = k == CTM_JSON_TRUE;
  return 1;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int32_t ctm_json_get_string(ctm_json_span json, const char* path, char* buf, uint32_t cap) {
  ctm_json_span v;
  if (cap == 0 || !ctm_json_find(json, path, &v) || ctm_json_kind_of(v) != CTM_JSON_STRING) return -1;
  uint32_t n = 0;
  for (uint32_t i = 1; i + 1 < v.len; ++i) {
    char c = v.ptr[i];
    if (c != '\\') { /* the common case: copied as it is */
      if (n + 1 >= cap) return -1;
      buf[n++] = c;
      continue;
    }
    char tmp[4];
    uint32_t k = 1;
    char e = v.ptr[++i];
    switch (e) {
      case 'n': tmp[0] = '\n'; break;
      case 'r': tmp[0] = '\r'; break;
      case 't': tmp[0] = '\t'; break;
      case 'b': tmp[0] = '\b'; break;
      case 'f': tmp[0] = '\f'; break;
      case 'u': {
        if (i + 4 >= v.len) return -1;
        uint32_t cp = 0;
        for (int d = 1; d <= 4; ++d) {
          int h = hex_value(v.ptr[i + (uint32_t)d]);
          if (h < 0) return -1;
          cp = cp * 16 + (uint32_t)h;
        }
        i += 4;
        /* UTF-8 of a BMP code point (surrogate pairs are passed through as two). */
        if (cp < 0x80) {
          tmp[0] = (char)cp;
        } else if (cp < 0x800) {
          tmp[0] = (char)(0xC0 | (cp >> 6));
          tmp[1] = (char)(0x80 | (cp & 0x3F));
          k = 2;
        } else {
          tmp[0] = (char)(0xE0 | (cp >> 12));
          tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
          tmp[2] = (char)(0x80 | (cp & 0x3F));
          k = 3;
        }
        break;
      }
      default: tmp[0] = e; break; /* \" \\ \/ */
    }
    if (n + k >= cap) return -1;
    __builtin_memcpy(buf + n, tmp, k);
    n += k;
  }
  buf[n] = '\0';
  return (int32_t)n;
}
