// Readings whose values held arrays and objects (collision-guard's tip and
// distances), flattened by decode_reading() into dotted field names, in both
// stores: a real SQLite file and a real influxd. What must hold: every field
// is stored under its dotted name, can be aggregated by that name, and is
// listed as a series -- the API's /api/series?field=d.0 reads exactly these.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "continuum/adapters/influx_reading_store.h"
#include "continuum/adapters/line_protocol.h"
#include "continuum/adapters/sqlite_reading_store.h"
#include "continuum/node/reading.h"
#include "support/server_process.h"

namespace continuum::adapters {
namespace {

using node::Reading;

constexpr int64_t kBase = 1'700'000'000'000;  // ms

// The guard's reading as module.c writes it: tip, one distance per point.
Reading guard_reading(uint64_t seq, int64_t ts, double d0) {
  std::string values = R"({"seq":)" + std::to_string(seq) + R"(,"tip":[1200.5,-3,987],"d":[)" + std::to_string(d0);
  for (int i = 1; i <= 10; ++i) values += "," + std::to_string(2000 + i);
  values += R"(],"min":)" + std::to_string(d0) + R"(,"nearest":0,"unsafe":false,"stop":false,"mode":{"name":"auto"}})";
  std::string why;
  std::optional<Reading> reading = node::decode_reading(
      R"({"node":"edge-robot-1","stage":"guard","seq":)" + std::to_string(seq) + R"(,"ts":)" + std::to_string(ts) +
          R"(,"values":)" + values + "}",
      &why);
  EXPECT_TRUE(reading) << why;
  return reading.value_or(Reading{});
}

double value_of(const Reading& reading, const std::string& name) {
  for (const auto& [field, value] : reading.values)
    if (field == name) return value;
  ADD_FAILURE() << "no field " << name;
  return -1;
}

bool lists(const std::vector<node::SeriesKey>& keys, const std::string& field) {
  return std::any_of(keys.begin(), keys.end(), [&](const node::SeriesKey& k) {
    return k.node == "edge-robot-1" && k.stage == "guard" && k.field == field;
  });
}

// Stores three readings and checks what every store must give back.
void expect_store_keeps_flattened_fields(node::ReadingStore& store) {
  for (uint64_t seq = 0; seq < 3; ++seq)
    ASSERT_NE(store.insert(guard_reading(seq, kBase + 100 * static_cast<int64_t>(seq), 900.0 + seq), kBase + 500),
              node::InsertOutcome::kFailed)
        << store.last_error();

  auto stored = store.range("edge-robot-1", "guard", {kBase, kBase + 1000});
  ASSERT_EQ(stored.size(), 3u) << store.last_error();
  const Reading& last = stored[2].reading;
  EXPECT_EQ(value_of(last, "d.0"), 902);
  EXPECT_EQ(value_of(last, "d.10"), 2010);
  EXPECT_EQ(value_of(last, "tip.0"), 1200.5);
  EXPECT_EQ(value_of(last, "tip.1"), -3);
  EXPECT_EQ(value_of(last, "min"), 902);
  ASSERT_EQ(last.text_values.size(), 1u);
  EXPECT_EQ(last.text_values[0], (std::pair<std::string, std::string>{"mode.name", "auto"}));

  auto buckets = store.aggregate("edge-robot-1", "guard", "d.0", {kBase, kBase + 1000}, 1000);
  ASSERT_EQ(buckets.size(), 1u) << store.last_error();
  EXPECT_EQ(buckets[0].count, 3u);
  EXPECT_EQ(buckets[0].min, 900);
  EXPECT_EQ(buckets[0].max, 902);
  // d.1 must not match d.10 (or any other prefix).
  auto d1 = store.aggregate("edge-robot-1", "guard", "d.1", {kBase, kBase + 1000}, 1000);
  ASSERT_EQ(d1.size(), 1u);
  EXPECT_EQ(d1[0].max, 2001);

  std::optional<std::vector<node::SeriesKey>> keys = store.series();
  ASSERT_TRUE(keys) << store.last_error();
  for (const char* field : {"d.0", "d.10", "tip.2", "min", "stop"}) EXPECT_TRUE(lists(*keys, field)) << field;
}

TEST(FlattenedValues, SqliteStoresDottedFields) {
  testing::TempDir dir;
  node::Status status;
  auto store = SqliteReadingStore::open((dir.path() / "readings.db").string(), &status);
  ASSERT_TRUE(store) << status.message;
  expect_store_keeps_flattened_fields(*store);
}

TEST(FlattenedValues, InfluxStoresDottedFields) {
  if (testing::find_program("influxd").empty()) GTEST_SKIP() << "influxd not installed (Debian package influxdb)";
  testing::InfluxServer server;
  ASSERT_TRUE(server.start()) << "influxd did not start:\n" << server.log();
  InfluxConfig config;
  config.port = server.http_port();
  config.database = "flattened";
  node::Status status;
  auto store = InfluxReadingStore::open(config, &status);
  ASSERT_TRUE(store) << status.message;
  expect_store_keeps_flattened_fields(*store);
}

// A dot needs no escaping in line protocol; spaces, commas and '=' in the
// keys a payload brings along are escaped wherever they sit in the name.
TEST(FlattenedValues, LineProtocolEscapesOnlyWhatItMust) {
  std::string why;
  auto reading = node::decode_reading(
      R"({"node":"n","stage":"s","seq":1,"ts":5,"values":{"a b":{"c=d":[1],"e,f":2}}})", &why);
  ASSERT_TRUE(reading) << why;
  EXPECT_EQ(influx::to_line("readings", *reading, 6),
            "readings,node=n,stage=s a\\ b.c\\=d.0=1,a\\ b.e\\,f=2,_seq=1i,_received_ms=6i 5000001");
}

}  // namespace
}  // namespace continuum::adapters
