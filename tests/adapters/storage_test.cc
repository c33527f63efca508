// open_reading_store(): the backend named in the configuration.
#include <gtest/gtest.h>

#include "continuum/adapters/sqlite_reading_store.h"
#include "continuum/adapters/storage.h"
#include "support/server_process.h"

namespace continuum::adapters {
namespace {

TEST(Storage, SqliteIsTheDefaultAndRetentionUsesTheConfiguredPeriod) {
  testing::TempDir dir;
  StorageConfig config;
  config.sqlite_path = (dir.path() / "r.db").string();
  config.retention_ms = 1000;
  node::Status status;
  auto store = open_reading_store(config, &status);
  ASSERT_TRUE(store) << status.message;
  for (uint64_t seq = 0; seq < 4; ++seq)
    ASSERT_EQ(store->insert({"n", "s", seq, static_cast<int64_t>(seq) * 1000, {{"v", 1}}, {}}, 0),
              node::InsertOutcome::kInserted);
  ASSERT_TRUE(apply_retention(*store, config, 3500));  // keeps ts >= 2500
  EXPECT_EQ(store->count(), 1u);
  // The file is an ordinary SqliteReadingStore file.
  EXPECT_EQ(SqliteReadingStore::open(config.sqlite_path)->count(), 1u);
}

TEST(Storage, UnknownBackendIsRefusedWithItsName) {
  StorageConfig config;
  config.backend = "postgres";
  node::Status status;
  EXPECT_FALSE(open_reading_store(config, &status));
  EXPECT_NE(status.message.find("postgres"), std::string::npos);
}

TEST(Storage, InfluxBackendThatIsNotRunningFailsToOpen) {
  StorageConfig config;
  config.backend = "influx";
  config.influx.port = testing::free_loopback_port();  // nobody listens
  config.influx.timeout_ms = 500;
  node::Status status;
  EXPECT_FALSE(open_reading_store(config, &status));
  EXPECT_FALSE(status.message.empty());
}

}  // namespace
}  // namespace continuum::adapters
