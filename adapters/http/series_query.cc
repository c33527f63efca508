#include "series_query.h"

#include <charconv>
#include <limits>

namespace continuum::adapters::http {

namespace {

std::optional<int64_t> parse_integer(const std::string& text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<int64_t> parse_span(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 12) return std::nullopt;
  std::optional<int64_t> amount = parse_integer(text.substr(0, digits));
  std::string unit = text.substr(digits);
  int64_t scale = 0;
  if (unit == "ms") scale = 1;
  else if (unit == "s") scale = 1000;
  else if (unit == "m") scale = 60'000;
  else if (unit == "h") scale = 3'600'000;
  else if (unit == "d") scale = 86'400'000;
  if (!amount || scale == 0 || *amount == 0) return std::nullopt;
  return *amount * scale;
}

std::optional<int64_t> parse_time(const std::string& text, int64_t now_ms) {
  if (text == "now") return now_ms;
  if (!text.empty() && text[0] == '-') {
    std::optional<int64_t> span = parse_span(text.substr(1));
    if (!span) return std::nullopt;
    return now_ms - *span;
  }
  std::optional<int64_t> ms = parse_integer(text);
  if (!ms || *ms < 0) return std::nullopt;
  return ms;
}

const char* aggregate_name(Aggregate agg) {
  switch (agg) {
    case Aggregate::kMean: return "mean";
    case Aggregate::kMin: return "min";
    case Aggregate::kMax: return "max";
    case Aggregate::kCount: return "count";
  }
  return "mean";
}

std::optional<SeriesQuery> parse_series_query(const ParamLookup& param, int64_t now_ms, std::size_t max_points,
                                              std::string* error) {
  SeriesQuery q;
  for (auto [name, out] : {std::pair{"node", &q.node}, std::pair{"stage", &q.stage}}) {
    std::optional<std::string> value = param(name);
    if (!value || value->empty()) {
      *error = std::string("missing parameter '") + name + "'; expected e.g. /api/series?node=edge-1&stage=control&field=value";
      return std::nullopt;
    }
    *out = *value;
  }
  q.field = param("field").value_or("");
  q.from_ms = now_ms - 3'600'000;
  q.to_ms = now_ms;
  for (auto [name, out] : {std::pair{"from", &q.from_ms}, std::pair{"to", &q.to_ms}}) {
    std::optional<std::string> value = param(name);
    if (!value) continue;
    std::optional<int64_t> ms = parse_time(*value, now_ms);
    if (!ms) {
      *error = std::string("parameter '") + name + "': cannot read \"" + *value +
               "\"; expected ms since the epoch, \"now\", or a relative time like -30s, -5m, -2h, -1d";
      return std::nullopt;
    }
    *out = *ms;
  }
  if (q.from_ms >= q.to_ms) {
    *error = "empty time range: 'from' (" + std::to_string(q.from_ms) + ") must be before 'to' (" +
             std::to_string(q.to_ms) + ")";
    return std::nullopt;
  }
  if (std::optional<std::string> bucket = param("bucket")) {
    std::optional<int64_t> span = parse_span(*bucket);
    if (!span) {
      *error = "parameter 'bucket': cannot read \"" + *bucket + "\"; expected a duration like 500ms, 10s, 5m, 1h, 1d";
      return std::nullopt;
    }
    q.bucket_ms = *span;
    if (q.field.empty()) {
      *error = "parameter 'field' is required with 'bucket' (buckets aggregate one numeric field)";
      return std::nullopt;
    }
    const int64_t buckets = (q.to_ms - q.from_ms + q.bucket_ms - 1) / q.bucket_ms;
    if (buckets > static_cast<int64_t>(max_points)) {
      *error = "too many buckets: " + std::to_string(buckets) + " (at most " + std::to_string(max_points) +
               "); use a larger 'bucket' or a shorter range";
      return std::nullopt;
    }
  }
  if (std::optional<std::string> agg = param("agg")) {
    if (*agg == "mean") q.agg = Aggregate::kMean;
    else if (*agg == "min") q.agg = Aggregate::kMin;
    else if (*agg == "max") q.agg = Aggregate::kMax;
    else if (*agg == "count") q.agg = Aggregate::kCount;
    else {
      *error = "parameter 'agg': unknown \"" + *agg + "\"; expected mean, min, max or count";
      return std::nullopt;
    }
    if (q.bucket_ms == 0) {
      *error = "parameter 'agg' needs 'bucket' (e.g. bucket=10s&agg=max)";
      return std::nullopt;
    }
  }
  return q;
}

}  // namespace continuum::adapters::http
