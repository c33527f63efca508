// {"batch":[ENVELOPE,...]} (reading_batch.h). The splitter only finds where
// each element starts and ends (strings and nesting), so a batch costs one
// pass over its bytes plus the per-envelope parse the single message would
// have cost anyway; it never builds a JSON tree of the whole batch.
#include "continuum/node/reading_batch.h"

namespace continuum::node {
namespace {

constexpr std::string_view kBatchKey = "\"batch\"";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::size_t skip_space(std::string_view s, std::size_t i) {
  while (i < s.size() && is_space(s[i])) ++i;
  return i;
}

// I at the opening quote; returns the index after the closing quote, or npos.
std::size_t skip_string(std::string_view s, std::size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') ++i;  // the escaped character, whatever it is
    else if (s[i] == '"') return i + 1;
  }
  return std::string_view::npos;
}

// I at '{'; returns the index after its matching '}', or npos. Nesting is
// bounded by the payload size (max_payload), and the depth is a counter, not
// recursion, so a deeply nested element cannot exhaust the stack.
std::size_t skip_object(std::string_view s, std::size_t i) {
  std::size_t depth = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '"') {
      i = skip_string(s, i);
      if (i == std::string_view::npos) return i;
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    else if (c == '}' || c == ']') {
      if (depth == 0) return std::string_view::npos;
      if (--depth == 0) return c == '}' ? i + 1 : std::string_view::npos;
    }
    ++i;
  }
  return std::string_view::npos;
}

static_assert(kMaxBatchReadings == 256, "split_reading_batch's message names the bound");

std::nullopt_t refuse(std::string* why, const char* text) {
  if (why) *why = text;
  return std::nullopt;
}

}  // namespace

bool is_reading_batch(std::string_view payload) {
  std::size_t i = skip_space(payload, 0);
  if (i >= payload.size() || payload[i] != '{') return false;
  i = skip_space(payload, i + 1);
  return payload.substr(i, kBatchKey.size()) == kBatchKey;
}

std::optional<std::vector<std::string_view>> split_reading_batch(std::string_view s, std::string* why) {
  constexpr const char* kShape = "a batch must be {\"batch\": [envelope, ...]} and nothing else";
  if (!is_reading_batch(s)) return refuse(why, kShape);
  std::size_t i = skip_space(s, s.find(kBatchKey) + kBatchKey.size());
  if (i >= s.size() || s[i] != ':') return refuse(why, kShape);
  i = skip_space(s, i + 1);
  if (i >= s.size() || s[i] != '[') return refuse(why, kShape);
  i = skip_space(s, i + 1);
  std::vector<std::string_view> elements;
  if (i < s.size() && s[i] == ']') return refuse(why, "a batch must hold at least one envelope");
  for (;;) {
    if (i >= s.size() || s[i] != '{') return refuse(why, "each element of a batch must be an envelope object");
    std::size_t end = skip_object(s, i);
    if (end == std::string_view::npos) return refuse(why, "an element of the batch is not well-formed JSON");
    if (elements.size() == kMaxBatchReadings)
      return refuse(why, "a batch holds at most 256 envelopes");  // kMaxBatchReadings
    elements.push_back(s.substr(i, end - i));
    i = skip_space(s, end);
    if (i < s.size() && s[i] == ',') {
      i = skip_space(s, i + 1);
      continue;
    }
    if (i < s.size() && s[i] == ']') break;
    return refuse(why, kShape);
  }
  i = skip_space(s, i + 1);
  if (i >= s.size() || s[i] != '}') return refuse(why, kShape);
  if (skip_space(s, i + 1) != s.size()) return refuse(why, kShape);
  return elements;
}

std::string encode_reading_batch(const std::vector<std::string_view>& envelopes) {
  std::size_t bytes = 0;
  for (std::string_view e : envelopes) bytes += e.size();
  std::string out;
  out.reserve(reading_batch_size(envelopes.size(), bytes));
  out += "{\"batch\":[";
  for (std::size_t k = 0; k < envelopes.size(); ++k) {
    if (k > 0) out += ',';
    out += envelopes[k];
  }
  out += "]}";
  return out;
}

}  // namespace continuum::node
