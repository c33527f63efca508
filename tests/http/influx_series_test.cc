// The stores' side of the API against a real influxd: listing the numeric
// series and counting a range (skipped when influxd is not installed).
#include <gtest/gtest.h>

#include "support/server_process.h"
#include "continuum/adapters/influx_reading_store.h"

namespace continuum::adapters {
namespace {

TEST(InfluxSeries, ListsNumericFieldsPerNodeAndStageAndCountsRanges) {
  if (testing::find_program("influxd").empty()) GTEST_SKIP() << "influxd not installed (Debian package influxdb)";
  testing::InfluxServer server;
  ASSERT_TRUE(server.start()) << server.log();
  InfluxConfig config;
  config.port = server.http_port();
  config.database = "series_test";
  node::Status status;
  auto store = InfluxReadingStore::open(config, &status);
  ASSERT_TRUE(store) << status.message;
  std::optional<std::vector<node::SeriesKey>> none = store->series();
  ASSERT_TRUE(none) << store->last_error();
  EXPECT_TRUE(none->empty());  // nothing stored yet
  for (uint64_t seq = 0; seq < 5; ++seq) {
    node::Reading soil{"edge-1", "soil", seq, static_cast<int64_t>(1000 * (seq + 1)), {{"moisture", 0.3}}, {},
                       {{"sensor", "soil-1"}}};
    ASSERT_NE(store->insert(soil, 9000), node::InsertOutcome::kFailed) << store->last_error();
  }
  node::Reading robot{"edge-2", "guard", 0, 1500, {{"distance", 0.4}, {"stop", 1}}, {}, {}};
  ASSERT_NE(store->insert(robot, 9000), node::InsertOutcome::kFailed) << store->last_error();
  std::optional<std::vector<node::SeriesKey>> series = store->series();
  ASSERT_TRUE(series) << store->last_error();
  ASSERT_EQ(series->size(), 3u);  // the text field "sensor" and the internal _seq/_hops are not series
  EXPECT_EQ((*series)[0].node, "edge-1");
  EXPECT_EQ((*series)[0].field, "moisture");
  EXPECT_EQ((*series)[1].stage, "guard");
  EXPECT_EQ((*series)[1].field, "distance");
  EXPECT_EQ((*series)[2].field, "stop");
  EXPECT_EQ(store->count_range("edge-1", "soil", {0, 100'000}), 5u);
  EXPECT_EQ(store->count_range("edge-1", "soil", {2000, 4000}), 2u);
  EXPECT_EQ(store->count_range("edge-9", "soil", {0, 100'000}), 0u);
}

}  // namespace
}  // namespace continuum::adapters
