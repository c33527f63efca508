// Semver precedence and the downgrade guard.
#include <gtest/gtest.h>

#include "continuum/ota/semver.h"
#include "continuum/ota/version_guard.h"

namespace continuum::ota {
namespace {

Semver v(const char* text) {
  std::string error;
  auto parsed = parse_semver(text, &error);
  EXPECT_TRUE(parsed) << error;
  return parsed.value_or(Semver{});
}

TEST(Semver, PrecedenceFollowsTheSpecExample) {
  // semver.org 2.0.0, item 11.
  const char* ordered[] = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
                           "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.9.0", "1.10.0", "2.0.0"};
  for (size_t i = 0; i + 1 < std::size(ordered); ++i) {
    EXPECT_LT(compare_precedence(v(ordered[i]), v(ordered[i + 1])), 0) << ordered[i] << " < " << ordered[i + 1];
    EXPECT_GT(compare_precedence(v(ordered[i + 1]), v(ordered[i])), 0);
  }
  EXPECT_EQ(compare_precedence(v("1.0.0+build.1"), v("1.0.0+build.2")), 0);
  EXPECT_EQ(v("1.2.3-rc.1+b5").text(), "1.2.3-rc.1+b5");
}

TEST(Semver, RejectsWhatIsNotAVersion) {
  for (const char* bad : {"", "1", "1.2", "1.2.3.4", "01.2.3", "1.2.x", "1.2.3-", "1.2.3-01", "1.2.3+", "v1.2.3"}) {
    std::string error;
    EXPECT_FALSE(parse_semver(bad, &error)) << bad;
    EXPECT_FALSE(error.empty());
  }
}

TEST(VersionGuard, OnlyForwardUnlessRollbackRequested) {
  EXPECT_TRUE(VersionGuard::check("m", v("1.0.0"), std::nullopt, false).allowed);
  EXPECT_TRUE(VersionGuard::check("m", v("1.1.0"), v("1.0.0"), false).allowed);
  EXPECT_TRUE(VersionGuard::check("m", v("1.0.0"), v("1.0.0-rc.1"), false).allowed);
  GuardDecision older = VersionGuard::check("m", v("0.9.0"), v("1.0.0"), false);
  EXPECT_FALSE(older.allowed);
  EXPECT_NE(older.reason.find("downgrade refused"), std::string::npos) << older.reason;
  EXPECT_FALSE(VersionGuard::check("m", v("1.0.0"), v("1.0.0"), false).allowed);
  EXPECT_FALSE(VersionGuard::check("m", v("1.0.0+other"), v("1.0.0"), false).allowed);
  EXPECT_TRUE(VersionGuard::check("m", v("0.9.0"), v("1.0.0"), true).allowed);
}

}  // namespace
}  // namespace continuum::ota
