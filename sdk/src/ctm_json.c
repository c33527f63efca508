/* A JSON writer into a fixed buffer and a scanning reader for payloads.
 * Neither allocates; the reader re-scans the text for each lookup, which is
 * cheap for the small payloads a stage handles. */
#include "continuum_json.h"

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

static void put_char(ctm_json_writer* w, char c) { put(w, &c, 1); }

/* Separates a new value from the previous item of its container. */
static void before_value(ctm_json_writer* w) {
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

static int needs_escape(unsigned char c) { return c == '"' || c == '\\' || c < 0x20; }

static void put_string(ctm_json_writer* w, const char* s, uint32_t n) {
  static const char hex[] = "0123456789abcdef";
  put_char(w, '"');
  /* Runs without escapes (all of a typical name or value) go in one copy:
   * a character at a time costs several times more in a wasm interpreter. */
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t run = i;
    while (run < n && !needs_escape((unsigned char)s[run])) ++run;
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

void ctm_jw_key(ctm_json_writer* w, const char* key) {
  before_value(w);
  put_string(w, key, (uint32_t)__builtin_strlen(key));
  put_char(w, ':');
  w->after_key = 1;
}

void ctm_jw_string(ctm_json_writer* w, const char* s, uint32_t len) {
  before_value(w);
  put_string(w, s, len);
}

void ctm_jw_cstring(ctm_json_writer* w, const char* s) {
  ctm_jw_string(w, s, (uint32_t)__builtin_strlen(s));
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

/* ---- reader ---- */

static uint32_t skip_ws(ctm_json_span s, uint32_t i) {
  while (i < s.len && (s.ptr[i] == ' ' || s.ptr[i] == '\t' || s.ptr[i] == '\n' || s.ptr[i] == '\r'))
    ++i;
  return i;
}

/* Index just past the string starting at s.ptr[i] == '"', or 0 if unterminated. */
static uint32_t skip_string(ctm_json_span s, uint32_t i) {
  for (++i; i < s.len; ++i) {
    if (s.ptr[i] == '\\') {
      ++i;
    } else if (s.ptr[i] == '"') {
      return i + 1;
    }
  }
  return 0;
}

/* Index just past the value starting at i (after white space), or 0 if malformed. */
static uint32_t skip_value(ctm_json_span s, uint32_t i) {
  if (i >= s.len) return 0;
  char c = s.ptr[i];
  if (c == '"') return skip_string(s, i);
  if (c == '{' || c == '[') {
    uint32_t depth = 0;
    for (; i < s.len; ++i) {
      char d = s.ptr[i];
      if (d == '"') {
        i = skip_string(s, i);
        if (i == 0) return 0;
        --i;
      } else if (d == '{' || d == '[') {
        ++depth;
      } else if (d == '}' || d == ']') {
        if (--depth == 0) return i + 1;
      }
    }
    return 0;
  }
  /* number or literal: up to the next delimiter */
  uint32_t start = i;
  while (i < s.len && s.ptr[i] != ',' && s.ptr[i] != '}' && s.ptr[i] != ']' && s.ptr[i] != ' ' &&
         s.ptr[i] != '\n' && s.ptr[i] != '\r' && s.ptr[i] != '\t')
    ++i;
  return i > start ? i : 0;
}

enum ctm_json_kind ctm_json_kind_of(ctm_json_span v) {
  uint32_t i = skip_ws(v, 0);
  if (i >= v.len) return CTM_JSON_INVALID;
  switch (v.ptr[i]) {
    case '{': return CTM_JSON_OBJECT;
    case '[': return CTM_JSON_ARRAY;
    case '"': return CTM_JSON_STRING;
    case 't': return CTM_JSON_TRUE;
    case 'f': return CTM_JSON_FALSE;
    case 'n': return CTM_JSON_NULL;
    default: return (v.ptr[i] == '-' || (v.ptr[i] >= '0' && v.ptr[i] <= '9')) ? CTM_JSON_NUMBER
                                                                              : CTM_JSON_INVALID;
  }
}

int ctm_json_next_member(ctm_json_span obj, uint32_t* cursor, ctm_json_span* name,
                         ctm_json_span* value) {
  uint32_t i = *cursor;
  if (i == 0) {
    i = skip_ws(obj, 0);
    if (i >= obj.len || obj.ptr[i] != '{') return 0;
    ++i;
  }
  i = skip_ws(obj, i);
  if (i < obj.len && obj.ptr[i] == ',') i = skip_ws(obj, i + 1);
  if (i >= obj.len || obj.ptr[i] != '"') return 0; /* '}' or malformed */
  uint32_t name_end = skip_string(obj, i);
  if (name_end == 0) return 0;
  name->ptr = obj.ptr + i + 1;
  name->len = name_end - i - 2;
  i = skip_ws(obj, name_end);
  if (i >= obj.len || obj.ptr[i] != ':') return 0;
  i = skip_ws(obj, i + 1);
  uint32_t value_end = skip_value(obj, i);
  if (value_end == 0) return 0;
  value->ptr = obj.ptr + i;
  value->len = value_end - i;
  *cursor = value_end;
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
      if (name.len == want && __builtin_memcmp(name.ptr, path, want) == 0) {
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
    char tmp[4];
    uint32_t k = 1;
    tmp[0] = c;
    if (c == '\\') {
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
    }
    if (n + k >= cap) return -1;
    __builtin_memcpy(buf + n, tmp, k);
    n += k;
  }
  buf[n] = '\0';
  return (int32_t)n;
}
