// SqliteModuleRegistry on real files: content addressing, idempotent add,
// lookups, metadata, immutability of a published version.
#include "continuum/adapters/sqlite_module_registry.h"
#include "ota_test_support.h"

namespace continuum::ota::testing {
namespace {

class Registry : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(registry.open(dir.path() / "registry")); }
  std::string module(const char* version, uint32_t seed, ModuleSpec spec = {}) {
    spec.seed = seed;
    return signed_module(spec, "soil-filter", version, *key, crypto);
  }

  adapters::OpenSslCrypto crypto;
  TempDir dir;
  std::unique_ptr<adapters::Ed25519Signer> key = make_key(dir.path(), "k", crypto);
  adapters::SqliteModuleRegistry registry{crypto};
};

TEST_F(Registry, AddStoresBlobAndMetadata) {
  std::string bytes = module("1.0.0", 1, {.data_bytes = 3000, .host_imports = {"kv_get", "sensor_read"}});
  std::string error;
  auto added = registry.add(bytes, &error);
  ASSERT_TRUE(added) << error;
  EXPECT_TRUE(added->added);
  const ModuleRecord& r = added->record;
  EXPECT_EQ(r.sha256, to_hex(crypto.sha256(bytes)));
  EXPECT_EQ(r.name, "soil-filter");
  EXPECT_EQ(r.version, "1.0.0");
  EXPECT_EQ(r.key_id, key->key_id());
  EXPECT_EQ(r.size, bytes.size());
  EXPECT_EQ(r.required_grants, (std::vector<std::string>{"kv", "sensor:*"}));
  ASSERT_EQ(r.imports.size(), 2u);
  EXPECT_GT(r.added_ms, 0);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "registry" / "blobs" / r.sha256));
  auto read = registry.read_module(r.sha256, &error);
  ASSERT_TRUE(read) << error;
  EXPECT_EQ(*read, bytes);
}

TEST_F(Registry, SameBytesTwiceIsOneEntry) {
  std::string bytes = module("1.0.0", 1);
  std::string error;
  auto first = registry.add(bytes, &error);
  auto second = registry.add(bytes, &error);
  ASSERT_TRUE(first && second) << error;
  EXPECT_FALSE(second->added);
  EXPECT_EQ(second->record.added_ms, first->record.added_ms);
  EXPECT_EQ(registry.list().size(), 1u);
}

TEST_F(Registry, LookupsByHashNameVersionAndLatest) {
  std::string error;
  for (auto [version, seed] : {std::pair{"1.9.0", 1u}, {"1.10.0", 2u}, {"1.10.0-rc.1", 3u}, {"0.1.0", 4u}})
    ASSERT_TRUE(registry.add(module(version, seed), &error)) << error;
  auto latest = registry.latest("soil-filter");
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->version, "1.10.0");  // semver, not string order
  auto exact = registry.by_name_version("soil-filter", "1.9.0");
  ASSERT_TRUE(exact);
  EXPECT_EQ(registry.by_hash(exact->sha256)->version, "1.9.0");
  EXPECT_FALSE(registry.by_name_version("soil-filter", "2.0.0"));
  EXPECT_FALSE(registry.latest("nothing"));
  std::vector<std::string> order;
  for (const auto& r : registry.list()) order.push_back(r.version);
  EXPECT_EQ(order, (std::vector<std::string>{"0.1.0", "1.9.0", "1.10.0-rc.1", "1.10.0"}));
}

TEST_F(Registry, PublishedVersionCannotChangeAndUnsignedIsRefused) {
  std::string error;
  ASSERT_TRUE(registry.add(module("1.0.0", 1), &error)) << error;
  EXPECT_FALSE(registry.add(module("1.0.0", 2), &error));
  EXPECT_NE(error.find("already registered"), std::string::npos) << error;
  EXPECT_FALSE(registry.add(make_module({}), &error));
  EXPECT_NE(error.find("no ctm.signature"), std::string::npos) << error;
}

TEST_F(Registry, SurvivesReopenAndDetectsDamagedBlobs) {
  std::string error;
  auto added = registry.add(module("1.0.0", 1), &error);
  ASSERT_TRUE(added) << error;
  adapters::SqliteModuleRegistry reopened(crypto);
  ASSERT_TRUE(reopened.open(dir.path() / "registry"));
  ASSERT_TRUE(reopened.by_hash(added->record.sha256));
  std::ofstream(dir.path() / "registry" / "blobs" / added->record.sha256, std::ios::app) << "x";
  EXPECT_FALSE(reopened.read_module(added->record.sha256, &error));
  EXPECT_NE(error.find("damaged"), std::string::npos) << error;
}

}  // namespace
}  // namespace continuum::ota::testing
