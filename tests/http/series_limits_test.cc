// /api/series limits against a real SQLite store behind HttpApi: a range
// holding more points than allowed is refused with a message, before it is
// loaded; the counted range is the one that would have been answered.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "support/server_process.h"
#include "continuum/adapters/http_api.h"
#include "continuum/adapters/sqlite_reading_store.h"

namespace continuum::adapters {
namespace {

// Ingest without a broker: messages are handed to handle() directly.
class NoBus : public node::MessageBus {
 public:
  void set_message_handler(MessageHandler) override {}
  void set_ack_handler(AckHandler) override {}
  void set_connection_handler(ConnectionHandler) override {}
  node::Status publish(const std::string&, std::string_view, int, bool, int*) override { return {}; }
  node::Status subscribe(const std::string&, int) override { return {}; }
  bool connected() const override { return false; }
};

TEST(HttpSeries, RangesBeyondTheLimitAreRefusedWithTheirSize) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "readings.db").string();
  auto store = SqliteReadingStore::open(path);
  auto reader = SqliteReadingStore::open(path);
  ASSERT_TRUE(store && reader);
  NoBus bus;
  node::IngestWorker ingest(bus, *store, {.now_ms = [] { return int64_t{10'000}; }});
  for (uint64_t seq = 0; seq < 8; ++seq) {
    node::Reading r{"edge-1", "soil", seq, static_cast<int64_t>(1000 + 1000 * seq), {{"moisture", 0.1 * seq}}, {}, {}};
    ingest.handle({"ctm/v1/data/edge-1/soil/out", node::encode_reading(r), false});
  }
  ASSERT_EQ(reader->count_range("edge-1", "soil", {0, 100'000}), 8u);
  ASSERT_EQ(reader->count_range("edge-1", "soil", {2000, 4000}), 2u);

  HttpApiConfig config;
  config.port = 0;
  config.max_points = 5;
  HttpApiSources sources;
  sources.ingest = &ingest;
  sources.store = reader.get();
  sources.now_ms = [] { return int64_t{10'000}; };
  node::Status status;
  auto api = HttpApi::start(config, sources, &status);
  ASSERT_TRUE(api) << status.message;
  httplib::Client client("127.0.0.1", api->port());
  auto get = [&](const std::string& p) {
    auto r = client.Get(p.c_str());
    EXPECT_TRUE(r) << p;
    return r ? std::make_pair(r->status, nlohmann::json::parse(r->body, nullptr, false))
             : std::make_pair(0, nlohmann::json());
  };
  auto [too_many, error] = get("/api/series?node=edge-1&stage=soil&field=moisture&from=0");
  EXPECT_EQ(too_many, 400);
  EXPECT_EQ(error["error"].get<std::string>().rfind("the range holds 8 readings (at most 5)", 0), 0u) << error;
  auto [ok, points] = get("/api/series?node=edge-1&stage=soil&field=moisture&from=2000&to=6000");
  EXPECT_EQ(ok, 200);
  ASSERT_EQ(points["points"].size(), 4u);
  EXPECT_EQ(points["points"][0]["ts"], 2000);
  EXPECT_DOUBLE_EQ(points["points"][0]["value"].get<double>(), 0.1);
  // Aggregated, the same 8 readings fit in 2 buckets of 5 s.
  auto [bucketed, buckets] = get("/api/series?node=edge-1&stage=soil&field=moisture&from=0&bucket=5s&agg=count");
  EXPECT_EQ(bucketed, 200);
  ASSERT_EQ(buckets["points"].size(), 2u);
  EXPECT_EQ(buckets["points"][0]["value"], 4);  // ts 1000..4000
  EXPECT_EQ(buckets["points"][1]["value"], 4);  // ts 5000..8000
  // 10 buckets of 1 s exceed the limit of 5.
  auto [narrow, narrow_error] = get("/api/series?node=edge-1&stage=soil&field=moisture&from=0&bucket=1s");
  EXPECT_EQ(narrow, 400);
  EXPECT_NE(narrow_error["error"].get<std::string>().find("too many buckets: 10 (at most 5)"), std::string::npos);
  // No fleet on this API: a 404 that says so.
  auto [no_fleet, why] = get("/api/nodes");
  EXPECT_EQ(no_fleet, 404);
  EXPECT_TRUE(why["error"].is_string());
  auto [listed, list] = get("/api/series/list");
  EXPECT_EQ(listed, 200);
  EXPECT_EQ(list, nlohmann::json::parse(R"([{"node":"edge-1","stage":"soil","field":"moisture"}])"));
  api->stop();
}

}  // namespace
}  // namespace continuum::adapters
