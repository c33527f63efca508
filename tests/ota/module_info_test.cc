// Imports and required grants of a module, from the engine's decoder and the
// ctm.grants section.
#include <gtest/gtest.h>

#include "continuum/ota/module_info.h"
#include "wasm_fixture.h"

namespace continuum::ota::testing {
namespace {

std::vector<std::string> grants_of(const ModuleSpec& spec) {
  std::string error;
  auto info = describe_module(make_module(spec), &error);
  EXPECT_TRUE(info) << error;
  return info ? info->required_grants : std::vector<std::string>{"<error>"};
}

TEST(ModuleInfo, GrantsFollowTheImports) {
  EXPECT_EQ(grants_of({.host_imports = {"kv_get", "log", "sensor_read"}}),
            (std::vector<std::string>{"kv", "sensor:*"}));
  EXPECT_EQ(grants_of({.host_imports = {"clock_wall_ms"}}), std::vector<std::string>{});
}

TEST(ModuleInfo, DeclaredGrantsNarrowNamedKinds) {
  auto grants = grants_of({.host_imports = {"sensor_read", "emit", "kv_put"},
                           .grants = "sensor:soil-1\nsensor:soil-2\n\nemit:out\n"});
  EXPECT_EQ(grants, (std::vector<std::string>{"emit:out", "kv", "sensor:soil-1", "sensor:soil-2"}));
}

TEST(ModuleInfo, ListsImports) {
  std::string error;
  auto info = describe_module(make_module({.host_imports = {"kv_get", "emit"}}), &error);
  ASSERT_TRUE(info) << error;
  ASSERT_EQ(info->imports.size(), 2u);
  EXPECT_EQ(info->imports[1].module, "continuum");
  EXPECT_EQ(info->imports[1].name, "emit");
  EXPECT_EQ(info->imports[1].kind, "function");
}

TEST(ModuleInfo, RefusesBadDeclarationsAndUnknownHostFunctions) {
  std::string error;
  EXPECT_FALSE(describe_module(make_module({.grants = "sensor"}), &error));
  EXPECT_NE(error.find("needs a resource name"), std::string::npos) << error;
  EXPECT_FALSE(describe_module(make_module({.grants = "kv:x"}), &error));
  EXPECT_NE(error.find("takes no resource"), std::string::npos) << error;
  EXPECT_FALSE(describe_module(make_module({.grants = "teleport"}), &error));
  EXPECT_NE(error.find("unknown grant kind"), std::string::npos) << error;
  EXPECT_FALSE(describe_module(make_module({.host_imports = {"self_destruct"}}), &error));
  EXPECT_NE(error.find("continuum.self_destruct"), std::string::npos) << error;
  EXPECT_FALSE(describe_module("\0asm\1\0\0\0\x01", &error));
  EXPECT_NE(error.find("invalid module"), std::string::npos) << error;
}

}  // namespace
}  // namespace continuum::ota::testing
