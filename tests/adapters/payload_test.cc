// The data payload and the topic namespace (node/core).
#include <gtest/gtest.h>

#include "continuum/node/reading.h"
#include "continuum/node/topics.h"

namespace continuum::node {
namespace {

TEST(Payload, RoundTripsEveryField) {
  Reading reading{"edge-1", "soil", 42, 1700000000123, {{"moisture", 0.375}, {"temp", -4.5}}, {{"fog-1", 1700000000150}}};
  std::string why;
  std::optional<Reading> back = decode_reading(encode_reading(reading), &why);
  ASSERT_TRUE(back) << why;
  EXPECT_EQ(back->node, "edge-1");
  EXPECT_EQ(back->stage, "soil");
  EXPECT_EQ(back->seq, 42u);
  EXPECT_EQ(back->ts_ms, 1700000000123);
  ASSERT_EQ(back->values.size(), 2u);
  // nlohmann orders object keys; both fields must be there with exact values.
  EXPECT_EQ(back->values[0], (std::pair<std::string, double>{"moisture", 0.375}));
  EXPECT_EQ(back->values[1], (std::pair<std::string, double>{"temp", -4.5}));
  ASSERT_EQ(back->hops.size(), 1u);
  EXPECT_EQ(back->hops[0].node, "fog-1");
  EXPECT_EQ(back->hops[0].ts_ms, 1700000000150);
}

TEST(Payload, BooleansAreNumbersStringsAreTextNullsAreSkipped) {
  auto reading = decode_reading(
      R"({"node":"n","stage":"s","seq":1,"ts":5,"values":{"pump":true,"alarm":false,"mode":"auto","temp":null}})");
  ASSERT_TRUE(reading);
  ASSERT_EQ(reading->values.size(), 2u);
  EXPECT_EQ(reading->values[0], (std::pair<std::string, double>{"alarm", 0.0}));
  EXPECT_EQ(reading->values[1], (std::pair<std::string, double>{"pump", 1.0}));
  ASSERT_EQ(reading->text_values.size(), 1u);
  EXPECT_EQ(reading->text_values[0], (std::pair<std::string, std::string>{"mode", "auto"}));
  EXPECT_EQ(decode_reading(encode_reading(*reading))->text_values, reading->text_values);
}

// The envelope exactly as docs/host-abi.md shows it.
TEST(Payload, ReadsTheHostAbiEnvelope) {
  auto reading = decode_reading(
      R"({"node":"edge-1","stage":"soil-control","seq":42,"ts":1763712000123,"values":{"moisture":0.31,"pump":1}})");
  ASSERT_TRUE(reading);
  EXPECT_EQ(reading->stage, "soil-control");
  EXPECT_EQ(reading->seq, 42u);
  EXPECT_EQ(reading->ts_ms, 1763712000123);
  EXPECT_EQ(reading->values.size(), 2u);
}

TEST(Payload, RejectsMalformedReadings) {
  const char* bad[] = {
      "not json",
      "[1,2]",
      R"({"stage":"s","seq":1,"ts":5,"values":{}})",                       // no node
      R"({"node":"","stage":"s","seq":1,"ts":5,"values":{}})",             // empty node
      R"({"node":"n","stage":"s","seq":-1,"ts":5,"values":{}})",           // negative seq
      R"({"node":"n","stage":"s","seq":1.5,"ts":5,"values":{}})",          // fractional seq
      R"({"node":"n","stage":"s","seq":1,"ts":"5","values":{}})",          // ts as a string
      R"({"node":"n","stage":"s","seq":1,"ts":5})",                        // no values
      R"({"node":"n","stage":"s","seq":1,"ts":5,"values":{"x":[1]}})",     // array value
      R"({"node":"n","stage":"s","seq":1,"ts":5,"values":{"x":{}}})",      // object value
      R"({"node":"n","stage":"s","seq":1,"ts":5,"values":{},"hops":[{"node":"f"}]})",  // hop without ts
  };
  for (const char* text : bad) {
    std::string why;
    EXPECT_FALSE(decode_reading(text, &why)) << text;
    EXPECT_FALSE(why.empty()) << text;
  }
}

TEST(Topics, NamespaceIsVersionedAndShareable) {
  EXPECT_EQ(topics::status("edge-1"), "ctm/v1/edge-1/status");
  EXPECT_EQ(topics::heartbeat("edge-1"), "ctm/v1/edge-1/hb");
  EXPECT_EQ(topics::command("edge-1"), "ctm/v1/edge-1/cmd");
  EXPECT_EQ(topics::data("edge-1", "soil", "out"), "ctm/v1/data/edge-1/soil/out");
  EXPECT_EQ(topics::all_data(), "ctm/v1/data/#");
  EXPECT_EQ(topics::shared("ingest", topics::all_data()), "$share/ingest/ctm/v1/data/#");
}

}  // namespace
}  // namespace continuum::node
