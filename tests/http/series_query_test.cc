// The /api/series parameters and the Prometheus text writer, as pure logic.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "metrics.h"
#include "series_query.h"

namespace continuum::adapters::http {
namespace {

constexpr int64_t kNow = 1'763'712'000'000;

std::optional<SeriesQuery> parse(const std::map<std::string, std::string>& params, std::string* error) {
  auto lookup = [&](const std::string& name) -> std::optional<std::string> {
    auto it = params.find(name);
    if (it == params.end()) return std::nullopt;
    return it->second;
  };
  return parse_series_query(lookup, kNow, 10'000, error);
}

TEST(SeriesQuery, DefaultsToTheLastHourOfRawPoints) {
  std::string error;
  std::optional<SeriesQuery> q = parse({{"node", "edge-1"}, {"stage", "control"}}, &error);
  ASSERT_TRUE(q) << error;
  EXPECT_EQ(q->from_ms, kNow - 3'600'000);
  EXPECT_EQ(q->to_ms, kNow);
  EXPECT_EQ(q->bucket_ms, 0);
  EXPECT_EQ(q->field, "");
}

TEST(SeriesQuery, ReadsAbsoluteAndRelativeTimesBucketsAndAggregates) {
  std::string error;
  std::optional<SeriesQuery> q = parse({{"node", "n"}, {"stage", "s"}, {"field", "value"}, {"from", "-5m"},
                                        {"to", "now"}, {"bucket", "10s"}, {"agg", "max"}}, &error);
  ASSERT_TRUE(q) << error;
  EXPECT_EQ(q->from_ms, kNow - 300'000);
  EXPECT_EQ(q->to_ms, kNow);
  EXPECT_EQ(q->bucket_ms, 10'000);
  EXPECT_EQ(q->agg, Aggregate::kMax);
  q = parse({{"node", "n"}, {"stage", "s"}, {"from", "1000"}, {"to", "2000"}}, &error);
  ASSERT_TRUE(q) << error;
  EXPECT_EQ(q->from_ms, 1000);
  EXPECT_EQ(q->to_ms, 2000);
  EXPECT_EQ(parse_time("-250ms", kNow), kNow - 250);
  EXPECT_EQ(parse_time("-1d", kNow), kNow - 86'400'000);
  EXPECT_EQ(parse_span("2h"), 7'200'000);
}

TEST(SeriesQuery, BadParametersSayWhatWasExpected) {
  const std::pair<std::map<std::string, std::string>, std::string> cases[] = {
      {{{"stage", "s"}}, "missing parameter 'node'"},
      {{{"node", "n"}}, "missing parameter 'stage'"},
      {{{"node", "n"}, {"stage", "s"}, {"from", "yesterday"}}, "parameter 'from': cannot read \"yesterday\""},
      {{{"node", "n"}, {"stage", "s"}, {"to", "-5x"}}, "parameter 'to'"},
      {{{"node", "n"}, {"stage", "s"}, {"from", "2000"}, {"to", "1000"}}, "empty time range"},
      {{{"node", "n"}, {"stage", "s"}, {"field", "v"}, {"bucket", "ten"}}, "parameter 'bucket'"},
      {{{"node", "n"}, {"stage", "s"}, {"field", "v"}, {"bucket", "0s"}}, "parameter 'bucket'"},
      {{{"node", "n"}, {"stage", "s"}, {"bucket", "10s"}}, "'field' is required"},
      {{{"node", "n"}, {"stage", "s"}, {"field", "v"}, {"bucket", "10s"}, {"agg", "median"}}, "expected mean, min, max or count"},
      {{{"node", "n"}, {"stage", "s"}, {"agg", "max"}}, "needs 'bucket'"},
      {{{"node", "n"}, {"stage", "s"}, {"field", "v"}, {"from", "-1d"}, {"bucket", "1s"}}, "too many buckets: 86400"},
  };
  for (const auto& [params, expected] : cases) {
    std::string error;
    EXPECT_FALSE(parse(params, &error)) << expected;
    EXPECT_NE(error.find(expected), std::string::npos) << "got: " << error;
  }
}

TEST(Metrics, WriterGroupsFamiliesEscapesLabelsAndSpellsSpecialValues) {
  MetricsWriter w;
  w.family("a_total", "counter", "First\nline \\ two");
  w.family("b", "gauge", "B");
  w.sample("a_total", "", {{"node", "x\"y\\z\nw"}}, 3);
  w.sample("b", "", {}, std::nan(""));
  w.sample("a_total", "", {{"node", "q"}}, 1.5);
  w.sample("b", "", {{"k", "v"}}, -INFINITY);
  EXPECT_EQ(w.text(),
            "# HELP a_total First\\nline \\\\ two\n"
            "# TYPE a_total counter\n"
            "a_total{node=\"x\\\"y\\\\z\\nw\"} 3\n"
            "a_total{node=\"q\"} 1.5\n"
            "# HELP b B\n"
            "# TYPE b gauge\n"
            "b NaN\n"
            "b{k=\"v\"} -Inf\n");
  EXPECT_EQ(MetricsWriter::metric_name("9queue-depth.x"), "_queue_depth_x");
}

}  // namespace
}  // namespace continuum::adapters::http
