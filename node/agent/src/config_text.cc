// The small text rules of the node config: ${VAR} substitution and durations.
#include <cstdlib>

#include "continuum/node/agent/config.h"

namespace continuum::node::agent {

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

bool substitute_variables(const std::string& text, const EnvLookup& env, std::string* out,
                          std::string* error) {
  out->clear();
  out->reserve(text.size());
  int line = 1;
  for (std::size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c == '\n') ++line;
    if (c != '$' || i + 1 >= text.size() || text[i + 1] != '{') {
      out->push_back(c);
      ++i;
      continue;
    }
    std::size_t close = text.find('}', i + 2);
    std::size_t newline = text.find('\n', i + 2);
    if (close == std::string::npos || (newline != std::string::npos && newline < close)) {
      *error = "line " + std::to_string(line) + ": unterminated ${...}";
      return false;
    }
    std::string inner = text.substr(i + 2, close - i - 2);
    std::string name = inner;
    std::optional<std::string> fallback;
    if (std::size_t sep = inner.find(":-"); sep != std::string::npos) {
      name = inner.substr(0, sep);
      fallback = inner.substr(sep + 2);
    }
    bool name_ok = !name.empty();
    for (char n : name) {
      bool word = (n >= 'A' && n <= 'Z') || (n >= 'a' && n <= 'z') || (n >= '0' && n <= '9') || n == '_';
      if (!word) name_ok = false;
    }
    if (!name_ok) {
      *error = "line " + std::to_string(line) + ": bad variable name in ${" + inner + "}";
      return false;
    }
    std::optional<std::string> value = env(name);
    // Like the shell's ${VAR:-default}: an empty value also takes the default.
    if ((!value || value->empty()) && fallback) value = fallback;
    if (!value) {
      *error = "line " + std::to_string(line) + ": ${" + name + "} is not set and has no default";
      return false;
    }
    out->append(*value);
    i = close + 1;
  }
  return true;
}

std::optional<Millis> parse_duration(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 12) return std::nullopt;
  long long n = std::stoll(text.substr(0, digits));
  std::string unit = text.substr(digits);
  long long factor = 0;
  if (unit == "ms") factor = 1;
  else if (unit == "s") factor = 1000;
  else if (unit == "m") factor = 60 * 1000;
  else if (unit == "h") factor = 3600 * 1000;
  else if (unit == "d") factor = 86400 * 1000;
  else return std::nullopt;
  return Millis(n * factor);
}

}  // namespace continuum::node::agent
