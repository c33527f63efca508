// Latency across hops: a fog stage's output keeps the edge reading's origin
// ts and gains a hop naming the fog node, stage and arrival time; outputs of
// ticks start a new origin. Real mosquitto, real SQLite ingest.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "continuum/adapters/sqlite_reading_store.h"
#include "continuum/node/reading.h"
#include "lineage.h"
#include "node_test_support.h"
#include "support/server_process.h"

namespace continuum::node::agent {
namespace {

using test::eventually;
using test::parse_config;

TEST(Lineage, OutputOfAnInputInheritsItsTsAndAddsAHop) {
  std::string input = R"({"node":"edge-1","stage":"control","seq":4,"ts":1000,"values":{"v":1},)"
                      R"("hops":[{"node":"gw-1","stage":"relay","ts":1010}]})";
  Lineage l = lineage_of_input(input, "fog-1", "filter", 1025);
  EXPECT_EQ(l.origin_ts_ms, 1000);
  std::vector<Hop> hops;
  ASSERT_TRUE(decode_hops(l.hops_json, &hops));
  ASSERT_EQ(hops.size(), 2u);
  EXPECT_EQ(hops[0].node, "gw-1");
  EXPECT_EQ(hops[0].stage, "relay");
  EXPECT_EQ(hops[0].ts_ms, 1010);
  EXPECT_EQ(hops[1].node, "fog-1");
  EXPECT_EQ(hops[1].stage, "filter");
  EXPECT_EQ(hops[1].ts_ms, 1025);
}

// The agent decodes an arriving envelope once (the inbound check) and hands
// the origin to the delivery: the same lineage as from the text.
TEST(Lineage, FromTheDecodedOriginIsTheSameAsFromTheText) {
  std::string input = R"({"node":"edge-1","stage":"control","seq":4,"ts":1000,"values":{"v":1},)"
                      R"("hops":[{"node":"gw-1","stage":"relay","ts":1010},{"node":"gw-2","ts":1012}]})";
  std::optional<Reading> reading = decode_reading(input);
  ASSERT_TRUE(reading);
  Lineage from_origin = lineage_of_origin(InputOrigin{reading->ts_ms, reading->hops}, "fog-1", "filter", 1025);
  Lineage from_text = lineage_of_input(input, "fog-1", "filter", 1025);
  EXPECT_EQ(from_origin.origin_ts_ms, 1000);
  EXPECT_EQ(from_origin.origin_ts_ms, from_text.origin_ts_ms);
  EXPECT_EQ(from_origin.hops_json, from_text.hops_json);
  EXPECT_EQ(from_origin.hops_json, R"([{"node":"gw-1","stage":"relay","ts":1010},{"node":"gw-2","ts":1012},)"
                                   R"({"node":"fog-1","stage":"filter","ts":1025}])");
}

TEST(Lineage, InputThatIsNotAnEnvelopeOriginatesOnArrival) {
  Lineage l = lineage_of_input("not json", "fog-1", "filter", 777);
  EXPECT_EQ(l.origin_ts_ms, 777);
  EXPECT_EQ(l.hops_json, R"([{"node":"fog-1","stage":"filter","ts":777}])");
}

TEST(Lineage, HopsWithoutStageFromOlderPayloadsStillDecode) {
  std::string why;
  std::optional<Reading> r = decode_reading(
      R"({"node":"e","stage":"s","seq":1,"ts":5,"values":{},"hops":[{"node":"fog","ts":9}]})", &why);
  ASSERT_TRUE(r) << why;
  ASSERT_EQ(r->hops.size(), 1u);
  EXPECT_EQ(r->hops[0].node, "fog");
  EXPECT_EQ(r->hops[0].stage, "");
  EXPECT_EQ(encode_reading(*r), R"({"hops":[{"node":"fog","ts":9}],"node":"e","seq":1,"stage":"s","ts":5,"values":{}})");
  EXPECT_FALSE(decode_reading(R"({"node":"e","stage":"s","seq":1,"ts":5,"values":{},"hops":[{"node":"f","ts":9,"stage":3}]})",
                              &why));
  EXPECT_NE(why.find("stage"), std::string::npos);
}

TEST(Lineage, FogOutputStoredInTheCloudKeepsTheEdgeTsAndTheFogHop) {
  testing::MosquittoServer broker;
  ASSERT_TRUE(broker.start()) << broker.log();
  testing::TempDir edge_dir, fog_dir, cloud_dir;
  std::string mqtt = "[mqtt]\nport = " + std::to_string(broker.port()) + "\n";
  std::string cloud_text = "[node]\nid = \"cloud-1\"\ntier = \"cloud\"\ndata_dir = \"" + cloud_dir.path().string() +
                           "\"\n" + mqtt + "[ingest]\n";
  std::string fog_text = "[node]\nid = \"fog-1\"\ntier = \"fog\"\ndata_dir = \"" + fog_dir.path().string() + "\"\n" +
                         mqtt + R"(
[[stages]]
name = "filter"
module = ")" + SOIL_FILTER_WASM + R"("
grants = ["config", "emit:filtered", "emit:aggregate"]
inputs = { readings = "edge-1/control/readings" }
publish = ["filtered"]
)";
  std::string edge_text = "[node]\nid = \"edge-1\"\ndata_dir = \"" + edge_dir.path().string() + "\"\n" + mqtt +
                          testing::simulated_field_control(IRRIGATION_CONTROL_WASM, "50ms", "publish = [\"readings\"]\n");
  std::string error;
  std::unique_ptr<Agent> cloud = Agent::start(parse_config(cloud_text), &error);
  ASSERT_TRUE(cloud) << error;
  std::unique_ptr<Agent> fog = Agent::start(parse_config(fog_text), &error);
  ASSERT_TRUE(fog) << error;
  ASSERT_TRUE(eventually([&] { return cloud->stats().connected && fog->stats().connected; }));
  std::unique_ptr<Agent> edge = Agent::start(parse_config(edge_text), &error);
  ASSERT_TRUE(edge) << error;
  ASSERT_TRUE(eventually([&] { return test::stage_of(fog->stats(), "filter").emitted >= 5; })) << broker.log();
  edge->stop();
  // Everything the fog emitted reaches the cloud (it handled every input).
  ASSERT_TRUE(eventually([&] { return fog->stats().outbox_depth == 0; }));
  fog->stop();
  uint64_t fog_published = fog->stats().published;
  uint64_t edge_published = edge->stats().published;
  ASSERT_TRUE(eventually([&] { return cloud->stats().ingest_stored >= fog_published + edge_published; }));
  cloud->stop();

  auto store = adapters::SqliteReadingStore::open((cloud_dir.path() / "readings.db").string());
  ASSERT_TRUE(store);
  std::vector<StoredReading> edge_rows = store->range("edge-1", "control", {0, INT64_MAX});
  std::vector<StoredReading> fog_rows = store->range("fog-1", "filter", {0, INT64_MAX});
  ASSERT_GE(fog_rows.size(), 5u);
  ASSERT_FALSE(edge_rows.empty());
  // The edge's readings are origins: no hops.
  std::map<int64_t, int> edge_ts;
  for (const StoredReading& row : edge_rows) {
    EXPECT_TRUE(row.reading.hops.empty());
    ++edge_ts[row.reading.ts_ms];
  }
  for (const StoredReading& row : fog_rows) {
    const Reading& r = row.reading;
    // Origin time: one of the edge readings' ts (the filter ran on it).
    EXPECT_EQ(edge_ts.count(r.ts_ms), 1u) << "fog output ts " << r.ts_ms << " is no edge reading's ts";
    ASSERT_EQ(r.hops.size(), 1u);
    EXPECT_EQ(r.hops[0].node, "fog-1");
    EXPECT_EQ(r.hops[0].stage, "filter");
    // Arrival at the fog is after the edge's reading and before ingest.
    EXPECT_GE(r.hops[0].ts_ms, r.ts_ms);
    EXPECT_LE(r.hops[0].ts_ms, row.received_ms);
  }
}

}  // namespace
}  // namespace continuum::node::agent
