// The SDK's number and JSON helpers, natively. (The same text from the wasm
// build is checked in stage_test.cc, which runs both builds of a module.)
#include <gtest/gtest.h>
#include <string.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <random>
#include <string>

#include "continuum_json.h"

namespace {

std::string fmt(double v) {
  char buf[CTM_F64_TEXT_MAX + 1];
  uint32_t n = ctm_fmt_f64(buf, sizeof buf, v);
  return std::string(buf, n);
}

double parse(const std::string& s, uint32_t* used = nullptr) {
  double d = -12345;
  uint32_t n = ctm_parse_f64(s.data(), static_cast<uint32_t>(s.size()), &d);
  if (used) *used = n;
  return d;
}

TEST(SdkNumbers, FormatsShortestJavaScriptStyle) {
  // Expected strings are what JavaScript's String(x) gives, except -0.
  EXPECT_EQ(fmt(0.31), "0.31");
  EXPECT_EQ(fmt(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(fmt(1), "1");
  EXPECT_EQ(fmt(-42), "-42");
  EXPECT_EQ(fmt(1e21), "1e+21");
  EXPECT_EQ(fmt(1e20), "100000000000000000000");
  EXPECT_EQ(fmt(1.5e-7), "1.5e-7");
  EXPECT_EQ(fmt(0.000001), "0.000001");
  EXPECT_EQ(fmt(5e-324), "5e-324");
  EXPECT_EQ(fmt(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(fmt(2.2250738585072014e-308), "2.2250738585072014e-308");
  EXPECT_EQ(fmt(9007199254740993.0), "9007199254740992");
  EXPECT_EQ(fmt(-0.0), "-0");
  EXPECT_EQ(fmt(0.0), "0");
  EXPECT_EQ(fmt(__builtin_nan("")), "null");
  EXPECT_EQ(fmt(__builtin_inf()), "null");
}

TEST(SdkNumbers, FormatRefusesASmallBuffer) {
  char buf[4];
  EXPECT_EQ(ctm_fmt_f64(buf, sizeof buf, 0.31), 4u);
  EXPECT_EQ(ctm_fmt_f64(buf, sizeof buf, 0.125), 0u);
  EXPECT_EQ(ctm_fmt_i64(buf, sizeof buf, 12345), 0u);
}

TEST(SdkNumbers, RandomDoublesRoundTripAndMatchStrtod) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 20000; ++i) {
    uint64_t bits = rng();
    double v = std::bit_cast<double>(bits);
    if (v != v || v == __builtin_inf() || v == -__builtin_inf()) continue;
    std::string text = fmt(v);
    uint32_t used = 0;
    double back = parse(text, &used);
    ASSERT_EQ(used, text.size()) << text;
    ASSERT_EQ(std::bit_cast<uint64_t>(back), bits) << text;
    // Other readers (Telegraf, Node-RED) get the same double.
    ASSERT_EQ(std::bit_cast<uint64_t>(strtod(text.c_str(), nullptr)), bits) << text;
  }
}

// "-0.00120" -> "12", "1.25e+07" -> "125".
std::string significant_digits(const std::string& number) {
  std::string digits;
  for (char c : number.substr(0, number.find_first_of("eE"))) if (c >= '0' && c <= '9') digits += c;
  digits.erase(0, digits.find_first_not_of('0'));
  digits.erase(digits.find_last_not_of('0') + 1);
  return digits;
}

// Readings-sized numbers take the integer fast path of ctm_fmt_f64 (1e-11
// <= |v| < 2^53); the text must still be the shortest that reads back as
// the same double: as many digits as std::to_chars's shortest form, and
// the same double from strtod.
TEST(SdkNumbers, ReadingSizedNumbersAreShortestAndRoundTrip) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> exponent(-11.0, 15.9);
  for (int i = 0; i < 200000; ++i) {
    double v;
    switch (i % 3) {
      case 0: v = std::pow(10.0, exponent(rng)); break;                                   // any mantissa
      case 1: v = static_cast<double>(rng() % 2000000) / std::pow(10.0, rng() % 12); break;  // decimals
      default: v = 0.2 * static_cast<double>(rng() % 1000) + 0.1 * static_cast<double>(rng() % 100); break;
    }
    if (i % 2) v = -v;
    std::string text = fmt(v);
    ASSERT_EQ(std::bit_cast<uint64_t>(strtod(text.c_str(), nullptr)), std::bit_cast<uint64_t>(v)) << text;
    char shortest[64];
    std::string sci(shortest, std::to_chars(shortest, shortest + sizeof shortest, v, std::chars_format::scientific).ptr);
    ASSERT_EQ(significant_digits(text), significant_digits(sci)) << text << " vs " << sci;
  }
}

TEST(SdkNumbers, ParsesLikeStrtodOnLongAndExtremeInputs) {
  const char* cases[] = {"2.4703282292062327e-324", "2.4703282292062328e-324",
                         "1.7976931348623158e308",  "1.7976931348623159e308",
                         "9007199254740993",        "123456789012345678901234567890.5e-10",
                         "0.000000000000000000000000000000000000000001",
                         "1e400",                   "1e-400",
                         "-7.5e-1"};
  for (const char* c : cases) {
    EXPECT_EQ(std::bit_cast<uint64_t>(parse(c)), std::bit_cast<uint64_t>(strtod(c, nullptr))) << c;
  }
}

TEST(SdkNumbers, ParseRejectsNonNumbersAndStopsAtTheEnd) {
  uint32_t used = 99;
  parse("abc", &used);
  EXPECT_EQ(used, 0u);
  parse("1.", &used);
  EXPECT_EQ(used, 0u);
  parse("1e", &used);
  EXPECT_EQ(used, 0u);
  EXPECT_EQ(parse("2.5,", &used), 2.5);
  EXPECT_EQ(used, 3u);
}

TEST(SdkNumbers, Integers) {
  int64_t v = 0;
  EXPECT_EQ(ctm_parse_i64("-9223372036854775808", 20, &v), 20u);
  EXPECT_EQ(v, INT64_MIN);
  EXPECT_EQ(ctm_parse_i64("9223372036854775808", 19, &v), 0u);  // overflow
  EXPECT_EQ(ctm_parse_i64("12.5", 4, &v), 0u);                   // not an integer
  char buf[CTM_I64_TEXT_MAX];
  EXPECT_EQ(std::string(buf, ctm_fmt_i64(buf, sizeof buf, INT64_MIN)), "-9223372036854775808");
  EXPECT_EQ(std::string(buf, ctm_fmt_i64(buf, sizeof buf, 0)), "0");
}

TEST(SdkJson, WriterBuildsNestedPayloads) {
  char buf[128];
  ctm_json_writer w;
  ctm_jw_init(&w, buf, sizeof buf);
  ctm_jw_begin_object(&w);
  ctm_jw_key(&w, "moisture");
  ctm_jw_f64(&w, 0.31);
  ctm_jw_key(&w, "list");
  ctm_jw_begin_array(&w);
  ctm_jw_i64(&w, 1);
  ctm_jw_bool(&w, 0);
  ctm_jw_null(&w);
  ctm_jw_end_array(&w);
  ctm_jw_key(&w, "s");
  ctm_jw_cstring(&w, "a\"b\\c\n\x01");
  ctm_jw_end_object(&w);
  uint32_t n = ctm_jw_finish(&w);
  EXPECT_EQ(std::string(buf, n),
            "{\"moisture\":0.31,\"list\":[1,false,null],\"s\":\"a\\\"b\\\\c\\n\\u0001\"}");
}

TEST(SdkJson, WriterReportsOverflowAndUnbalancedContainers) {
  char buf[8];
  ctm_json_writer w;
  ctm_jw_init(&w, buf, sizeof buf);
  ctm_jw_begin_object(&w);
  ctm_jw_key(&w, "long-key");
  ctm_jw_i64(&w, 1);
  ctm_jw_end_object(&w);
  EXPECT_EQ(ctm_jw_finish(&w), 0u);

  char big[64];
  ctm_jw_init(&w, big, sizeof big);
  ctm_jw_begin_object(&w);
  EXPECT_EQ(ctm_jw_finish(&w), 0u);  // still open
}

TEST(SdkJson, ReaderFindsPayloadSchemaMembers) {
  const std::string text =
      R"({"node":"edge-1","stage":"soil-control","seq":42,"ts":1763712000123,)"
      R"( "values":{"moisture":0.31,"label":"bed \"A\" \u00e9","nested":{"x":[1,{"y":2}]},"on":true}})";
  ctm_json_span json{text.data(), static_cast<uint32_t>(text.size())};
  int64_t seq = 0, ts = 0;
  EXPECT_TRUE(ctm_json_get_i64(json, "seq", &seq));
  EXPECT_EQ(seq, 42);
  EXPECT_TRUE(ctm_json_get_i64(json, "ts", &ts));
  EXPECT_EQ(ts, 1763712000123);
  double m = 0;
  EXPECT_TRUE(ctm_json_get_f64(json, "values.moisture", &m));
  EXPECT_EQ(m, 0.31);
  char label[32];
  EXPECT_EQ(ctm_json_get_string(json, "values.label", label, sizeof label), 10);
  EXPECT_STREQ(label, "bed \"A\" \xc3\xa9");
  EXPECT_EQ(ctm_json_get_string(json, "values.label", label, 5), -1);  // too small
  int on = 0;
  EXPECT_TRUE(ctm_json_get_bool(json, "values.on", &on));
  EXPECT_EQ(on, 1);
  EXPECT_FALSE(ctm_json_get_f64(json, "values.missing", &m));
  EXPECT_FALSE(ctm_json_get_f64(json, "node", &m));  // a string, not a number
  ctm_json_span nested;
  ASSERT_TRUE(ctm_json_find(json, "values.nested", &nested));
  EXPECT_EQ(std::string(nested.ptr, nested.len), R"({"x":[1,{"y":2}]})");

  uint32_t cursor = 0;
  ctm_json_span name, value;
  std::string names;
  while (ctm_json_next_member(json, &cursor, &name, &value)) names += std::string(name.ptr, name.len) + ",";
  EXPECT_EQ(names, "node,stage,seq,ts,values,");
}

TEST(SdkJson, ReaderStopsOnMalformedText) {
  const std::string text = R"({"a":1,"b":"unterminated})";
  ctm_json_span json{text.data(), static_cast<uint32_t>(text.size())};
  double d;
  EXPECT_TRUE(ctm_json_get_f64(json, "a", &d));
  EXPECT_FALSE(ctm_json_get_f64(json, "c", &d));
}

}  // namespace
