// The envelope at the MQTT boundary.
#include <gtest/gtest.h>

#include "continuum/host/payload.h"

namespace continuum::host {
namespace {

TEST(Envelope, WrapsValuesKeepingTheModulesText) {
  Envelope e;
  e.node = "edge-1";
  e.stage = "soil-control";
  e.seq = 42;
  e.ts_ms = 1763712000123;
  e.values_json = " {\"moisture\":0.31,\"pump\":1,\"big\":1e+21} ";
  std::string text, error;
  ASSERT_TRUE(make_envelope(e, &text, &error)) << error;
  EXPECT_EQ(text,
            "{\"node\":\"edge-1\",\"stage\":\"soil-control\",\"seq\":42,\"ts\":1763712000123,"
            "\"values\":{\"moisture\":0.31,\"pump\":1,\"big\":1e+21}}");
  Envelope back;
  ASSERT_TRUE(parse_envelope(text, &back, &error)) << error;
  EXPECT_EQ(back.node, "edge-1");
  EXPECT_EQ(back.stage, "soil-control");
  EXPECT_EQ(back.seq, 42u);
  EXPECT_EQ(back.ts_ms, 1763712000123);
}

TEST(Envelope, MultiLineValuesBecomeOneLine) {
  Envelope e;
  e.node = "n\"1";
  e.values_json = "{\n  \"a\": 1\n}";
  std::string text, error;
  ASSERT_TRUE(make_envelope(e, &text, &error));
  EXPECT_EQ(text, "{\"node\":\"n\\\"1\",\"stage\":\"\",\"seq\":0,\"ts\":0,\"values\":{\"a\":1}}");
}

TEST(Envelope, RefusesValuesThatAreNotAnObject) {
  Envelope e;
  std::string text, error;
  for (const char* v : {"", "[1,2]", "3", "{\"a\":", "\"x\""}) {
    e.values_json = v;
    EXPECT_FALSE(make_envelope(e, &text, &error)) << v;
  }
}

TEST(Envelope, ParseNamesTheMissingField) {
  Envelope e;
  std::string error;
  EXPECT_FALSE(parse_envelope(R"({"node":"a","stage":"b","seq":-1,"ts":0,"values":{}})", &e, &error));
  EXPECT_EQ(error, "missing or mistyped \"seq\"");
  EXPECT_FALSE(parse_envelope(R"({"node":"a","stage":"b","seq":1,"ts":0})", &e, &error));
  EXPECT_EQ(error, "missing or mistyped \"values\"");
  EXPECT_FALSE(parse_envelope("nope", &e, &error));
}

}  // namespace
}  // namespace continuum::host
