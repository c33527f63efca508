// Grant strings and what a set of grants allows.
#include <gtest/gtest.h>

#include "continuum/host/grants.h"

namespace continuum::host {
namespace {

TEST(Grants, ParsesNamedAndUnnamedKinds) {
  GrantSet set;
  std::string error;
  ASSERT_TRUE(GrantSet::parse({"sensor:soil-1", "emit:*", "kv"}, &set, &error)) << error;
  EXPECT_TRUE(set.allows(GrantKind::SENSOR, "soil-1"));
  EXPECT_FALSE(set.allows(GrantKind::SENSOR, "soil-2"));
  EXPECT_TRUE(set.allows(GrantKind::EMIT, "anything"));
  EXPECT_TRUE(set.allows(GrantKind::KV, ""));
  EXPECT_FALSE(set.allows(GrantKind::CONFIG, ""));
  EXPECT_FALSE(set.allows(GrantKind::ACTUATOR, "soil-1"));
  EXPECT_TRUE(set.allows(GrantKind::NONE, ""));
  EXPECT_EQ(format_grant(set.grants()[0]), "sensor:soil-1");
}

TEST(Grants, RejectsMalformedGrants) {
  Grant g;
  std::string error;
  EXPECT_FALSE(parse_grant("sensor", &g, &error));      // needs a name
  EXPECT_FALSE(parse_grant("sensor:", &g, &error));
  EXPECT_FALSE(parse_grant("kv:foo", &g, &error));      // takes none
  EXPECT_FALSE(parse_grant("teleport:x", &g, &error));
  EXPECT_FALSE(parse_grant("none", &g, &error));
}

TEST(Grants, EverythingAllowsEveryKind) {
  GrantSet all = GrantSet::everything();
  EXPECT_TRUE(all.allows(GrantKind::ACTUATOR, "pump-9"));
  EXPECT_TRUE(all.allows(GrantKind::RANDOM, ""));
  EXPECT_TRUE(all.allows(GrantKind::SERIAL, "krc2"));
}

}  // namespace
}  // namespace continuum::host
