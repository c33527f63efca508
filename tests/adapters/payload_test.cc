// The data payload and the topic namespace (node/core).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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

// encode_hops writes its text directly (no JSON tree): it must be exactly
// what the library writes for the same array, escapes included.
TEST(Payload, HopsTextIsTheLibrarysTextForTheSameArray) {
  std::vector<Hop> hops = {{"edge-1", 1700000000150, "control"},
                           {"fog \"1\"\\\n\x01", -5, ""},
                           {"f\xc3\xa9g", 0, "st\tage"}};
  nlohmann::json expected = nlohmann::json::array();
  for (const Hop& hop : hops) {
    nlohmann::json entry = {{"node", hop.node}, {"ts", hop.ts_ms}};
    if (!hop.stage.empty()) entry["stage"] = hop.stage;
    expected.push_back(entry);
  }
  EXPECT_EQ(encode_hops(hops), expected.dump());
  EXPECT_EQ(encode_hops({}), "[]");
  std::vector<Hop> back;
  ASSERT_TRUE(decode_hops(encode_hops(hops), &back));
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[1].node, hops[1].node);
  EXPECT_EQ(back[2].stage, hops[2].stage);
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
      R"({"node":"n","stage":"s","seq":1,"ts":5,"values":[1,2]})",         // values not an object
      R"({"node":"n","stage":"s","seq":1,"ts":5,"values":{},"hops":[{"node":"f"}]})",  // hop without ts
  };
  for (const char* text : bad) {
    std::string why;
    EXPECT_FALSE(decode_reading(text, &why)) << text;
    EXPECT_FALSE(why.empty()) << text;
  }
}

// collision-guard's reading exactly as the module writes it (module.c): the
// stores take flat names, so arrays and objects become dotted field names.
TEST(PayloadFlattening, ArraysAndObjectsBecomeDottedFieldNames) {
  std::string why;
  auto reading = decode_reading(
      R"({"node":"edge-robot-1","stage":"guard","seq":7,"ts":5,"values":)"
      R"({"seq":3,"tip":[1200.5,-3,987],"d":[10,11,12,13,14,15,16,17,18,19,20],"min":10,"nearest":0,)"
      R"("unsafe":true,"stop":false,"pose":{"a":{"b":2},"mode":"auto"}}})",
      &why);
  ASSERT_TRUE(reading) << why;
  std::vector<std::pair<std::string, double>> expected = {{"d.0", 10}, {"d.1", 11}, {"d.2", 12}, {"d.3", 13},
                                                          {"d.4", 14}, {"d.5", 15}, {"d.6", 16}, {"d.7", 17},
                                                          {"d.8", 18}, {"d.9", 19}, {"d.10", 20},  // index order
                                                          {"min", 10}, {"nearest", 0}, {"pose.a.b", 2},
                                                          {"seq", 3}, {"stop", 0}, {"tip.0", 1200.5},
                                                          {"tip.1", -3}, {"tip.2", 987}, {"unsafe", 1}};
  EXPECT_EQ(reading->values, expected);
  ASSERT_EQ(reading->text_values.size(), 1u);
  EXPECT_EQ(reading->text_values[0], (std::pair<std::string, std::string>{"pose.mode", "auto"}));
}

TEST(PayloadFlattening, NullElementsAreSkippedAndIndexesKept) {
  auto reading = decode_reading(
      R"({"node":"n","stage":"s","seq":1,"ts":5,"values":{"d":[1,null,3],"e":[],"o":{},"m":[[1,2],["x",true]]}})");
  ASSERT_TRUE(reading);
  std::vector<std::pair<std::string, double>> expected = {
      {"d.0", 1}, {"d.2", 3}, {"m.0.0", 1}, {"m.0.1", 2}, {"m.1.1", 1}};
  EXPECT_EQ(reading->values, expected);
  ASSERT_EQ(reading->text_values.size(), 1u);
  EXPECT_EQ(reading->text_values[0], (std::pair<std::string, std::string>{"m.1.0", "x"}));
}

// Re-encoding a flattened reading (a forwarder, a store reading it back)
// writes the dotted names as flat members, which decode to the same names.
TEST(PayloadFlattening, FlattenedReadingsRoundTrip) {
  auto reading = decode_reading(R"({"node":"n","stage":"s","seq":1,"ts":5,"values":{"tip":[1,2,3],"a":{"b":"x"}}})");
  ASSERT_TRUE(reading);
  auto again = decode_reading(encode_reading(*reading));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->values, reading->values);
  EXPECT_EQ(again->text_values, reading->text_values);
}

std::string envelope_with_values(const std::string& values) {
  return R"({"node":"n","stage":"s","seq":1,"ts":5,"values":)" + values + "}";
}

TEST(PayloadFlattening, NamesHaveAtMostFourParts) {
  std::string why;
  auto four = decode_reading(envelope_with_values(R"({"a":{"b":{"c":[7]}},"x":{"y":{"z":{"w":8}}}})"), &why);
  ASSERT_TRUE(four) << why;
  EXPECT_EQ(four->values, (std::vector<std::pair<std::string, double>>{{"a.b.c.0", 7}, {"x.y.z.w", 8}}));
  static_assert(kMaxValueNameParts == 4);

  for (const char* values : {R"({"a":{"b":{"c":{"d":{"e":1}}}}})", R"({"a":[[[[1]]]]})", R"({"a":{"b":{"c":{"d":[]}}}})"}) {
    why.clear();
    EXPECT_FALSE(decode_reading(envelope_with_values(values), &why)) << values;
    EXPECT_NE(why.find("at most 4 parts"), std::string::npos) << why;
  }
  why.clear();
  EXPECT_FALSE(decode_reading(envelope_with_values(R"({"ok":1,"a":{"b":{"c":{"d":{"e":1}}}}})"), &why));
  EXPECT_NE(why.find("\"a.b.c.d\""), std::string::npos) << "names where: " << why;
}

TEST(PayloadFlattening, AtMost256Fields) {
  static_assert(kMaxValueFields == 256);
  // 255 array elements + 1 member = 256 fields: taken. Nulls do not count.
  auto values_with = [](int elements, const std::string& extra) {
    std::string out = R"({"d":[)";
    for (int i = 0; i < elements; ++i) {
      if (i) out += ',';
      out += std::to_string(i);
    }
    return out + ",null]," + extra + "}";
  };
  std::string why;
  auto full = decode_reading(envelope_with_values(values_with(255, R"("min":0)")), &why);
  ASSERT_TRUE(full) << why;
  EXPECT_EQ(full->values.size(), 256u);
  EXPECT_EQ(full->values[254], (std::pair<std::string, double>{"d.254", 254}));

  EXPECT_FALSE(decode_reading(envelope_with_values(values_with(255, R"("min":0,"mode":"x")")), &why));
  EXPECT_NE(why.find("more than 256 fields"), std::string::npos) << why;
  why.clear();
  EXPECT_FALSE(decode_reading(envelope_with_values(values_with(300, R"("min":0)")), &why));
  EXPECT_NE(why.find("more than 256 fields"), std::string::npos) << why;
}

// The stores keep one value per name: a flat dotted member and an array
// that flatten to the same name would overwrite each other, so neither wins.
TEST(PayloadFlattening, TwoMembersWithOneNameAreRejected) {
  std::string why;
  EXPECT_FALSE(decode_reading(envelope_with_values(R"({"tip.0":1,"tip":[2]})"), &why));
  EXPECT_NE(why.find("\"tip.0\""), std::string::npos) << why;
  why.clear();
  EXPECT_FALSE(decode_reading(envelope_with_values(R"({"a.b":"x","a":{"b":2}})"), &why));
  EXPECT_NE(why.find("\"a.b\""), std::string::npos) << why;
  // Different names that merely share a prefix are fine.
  EXPECT_TRUE(decode_reading(envelope_with_values(R"({"tip.x":1,"tip":[2]})"), &why)) << why;
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
