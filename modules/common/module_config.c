#include "module_config.h"

#include "continuum.h"
#include "continuum_json.h"

// Values arrive as text; a quoted JSON string is unwrapped so that both
// `low = 25` and `low = "25"` styles of configuration work.
static int32_t read_value(const char* key, char* buf, uint32_t cap) {
  int32_t n = ctm_config_str(key, buf, cap);
  if (n >= 2 && buf[0] == '"' && buf[n - 1] == '"') {
    for (int32_t i = 1; i < n - 1; ++i) buf[i - 1] = buf[i];
    n -= 2;
    buf[n] = '\0';
  }
  return n;
}

double config_f64(const char* key, double fallback) {
  char text[64];
  double value;
  int32_t n = read_value(key, text, sizeof text);
  if (n > 0 && ctm_parse_f64(text, (uint32_t)n, &value) == (uint32_t)n) return value;
  return fallback;
}

int64_t config_i64(const char* key, int64_t fallback) {
  char text[64];
  int64_t value;
  int32_t n = read_value(key, text, sizeof text);
  if (n > 0 && ctm_parse_i64(text, (uint32_t)n, &value) == (uint32_t)n) return value;
  return fallback;
}

void config_text(const char* key, const char* fallback, char* buf, uint32_t cap) {
  if (read_value(key, buf, cap) >= 0) return;
  uint32_t i = 0;
  for (; fallback[i] && i + 1 < cap; ++i) buf[i] = fallback[i];
  buf[i] = '\0';
}

int config_split(const char* list, char* items, int max_items, uint32_t item_cap) {
  int count = 0;
  const char* p = list;
  while (*p && count < max_items) {
    while (*p == ' ' || *p == ',') ++p;
    if (!*p) break;
    char* item = items + (uint32_t)count * item_cap;
    uint32_t len = 0;
    for (; *p && *p != ','; ++p)
      if (*p != ' ' && len + 1 < item_cap) item[len++] = *p;
    item[len] = '\0';
    ++count;
  }
  return count;
}
