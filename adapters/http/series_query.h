// The query parameters of GET /api/series, checked: which series, which time
// range (ms epoch or relative to now, "-5m"), raw or per time bucket. Pure
// logic, so every message a client can get is unit-testable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace continuum::adapters::http {

enum class Aggregate { kMean, kMin, kMax, kCount };

struct SeriesQuery {
  std::string node, stage, field;  // field may be empty for raw readings
  int64_t from_ms = 0, to_ms = 0;   // [from, to)
  int64_t bucket_ms = 0;            // 0: raw points
  Aggregate agg = Aggregate::kMean;
};

// Looks a query parameter up; nullopt when absent.
using ParamLookup = std::function<std::optional<std::string>(const std::string&)>;

// "1700000000000" (ms epoch), "now", "-30s", "-5m", "-2h", "-1d", "-250ms".
std::optional<int64_t> parse_time(const std::string& text, int64_t now_ms);
// "500ms", "10s", "5m", "1h", "1d" -> ms (> 0).
std::optional<int64_t> parse_span(const std::string& text);

// Defaults: from = now - 1h, to = now, agg = mean. On a problem returns
// nullopt with *error saying what was wrong and what was expected.
std::optional<SeriesQuery> parse_series_query(const ParamLookup& param, int64_t now_ms, std::size_t max_points,
                                              std::string* error);

const char* aggregate_name(Aggregate agg);

}  // namespace continuum::adapters::http
