// Changing a route while the nodes run (stage.route, POST
// /api/stages/<stage>/route; docs/protocol.md, docs/api.md) with a real
// mosquitto: a fog filter fed by edge-a is rerouted to edge-b through the
// HTTP API; after the answer edge-b's readings reach it and edge-a's do not,
// the heartbeat's inputs show the new wiring; bad requests are refused with
// the reason and change nothing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "continuum/adapters/http_client.h"
#include "continuum/adapters/mqtt_bus.h"
#include "node_test_support.h"
#include "support/mqtt_probe.h"
#include "support/server_process.h"

namespace continuum::node::agent {
namespace {

using nlohmann::json;
using test::eventually;
using test::parse_config;
using test::stage_of;

// An envelope as edge NODE's stage "src" publishes it on its readings port.
std::string reading(const std::string& node, uint64_t seq) {
  return json{{"node", node},
              {"stage", "src"},
              {"seq", seq},
              {"ts", 1763712000000 + static_cast<int64_t>(seq) * 1000},
              {"values",
               {{"sensor", "soil-1"},
                {"t_ms", 1763712000000 + static_cast<int64_t>(seq) * 1000},
                {"value", 30.0 + static_cast<double>(seq % 5)},
                {"status", "ok"}}}}
      .dump();
}

class Route : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(broker_.start()) << broker_.log();
    http_port_ = testing::free_loopback_port();
    const std::string config =
        "[node]\nid = \"fog-1\"\ntier = \"fog\"\ndata_dir = \"" + dir_.path().string() +
        "\"\nheartbeat = \"100ms\"\n[mqtt]\nport = " + std::to_string(broker_.port()) + "\n[http]\nport = " +
        std::to_string(http_port_) + "\napi_token = \"" + kToken + "\"\n[[stages]]\nname = \"filter\"\nmodule = \"" +
        SOIL_FILTER_WASM +
        "\"\ngrants = [\"config\", \"emit:filtered\", \"emit:aggregate\"]\n"
        "inputs = { readings = \"edge-a/src/readings\" }\nqueue = 1000\n";
    std::string error;
    fog_ = Agent::start(parse_config(config), &error);
    ASSERT_TRUE(fog_) << error;
    publisher_ = std::make_unique<adapters::MqttBus>(testing::quick_reconnect_client(broker_.port()));
    ASSERT_TRUE(publisher_->start().ok);
    ASSERT_TRUE(publisher_->wait_connected(30000));
    auth_.bearer_token = kToken;
    // The fleet view knows the fog (its own heartbeats) once the API lists the filter.
    ASSERT_TRUE(eventually([&] {
      adapters::HttpResult nodes = adapters::http_get(api(), "/api/nodes", auth_);
      return nodes.ok && nodes.body.find("\"filter\"") != std::string::npos;
    }));
  }
  void TearDown() override {
    if (publisher_) publisher_->stop();
    if (fog_) fog_->stop();
  }
  std::string api() const { return "http://127.0.0.1:" + std::to_string(http_port_); }
  adapters::HttpResult post_route(const std::string& body, const std::string& stage = "filter") {
    return adapters::http_post(api(), "/api/stages/" + stage + "/route", body, "application/json", auth_);
  }
  void publish(const std::string& node, uint64_t from, uint64_t count) {
    int token = 0;
    for (uint64_t seq = from; seq < from + count; ++seq)
      ASSERT_TRUE(publisher_->publish(topics::data(node, "src", "readings"), reading(node, seq), 1, false, &token).ok);
  }
  uint64_t delivered() { return stage_of(fog_->stats(), "filter").delivered; }

  static constexpr const char* kToken = "route-test-token-0123456";
  testing::MosquittoServer broker_;
  testing::TempDir dir_;
  int http_port_ = 0;
  std::unique_ptr<Agent> fog_;
  std::unique_ptr<adapters::MqttBus> publisher_;
  adapters::HttpRequestOptions auth_;
};

TEST_F(Route, RerouteFromEdgeAToEdgeBOverHttp) {
  publish("edge-a", 1, 5);
  ASSERT_TRUE(eventually([&] { return delivered() == 5; })) << delivered();

  adapters::HttpResult routed =
      post_route(R"({"node":"fog-1","input":"readings","sources":["edge-b/src/readings"]})");
  ASSERT_EQ(routed.status, 200) << routed.body << routed.error;
  json result = json::parse(routed.body);
  EXPECT_EQ(result["stage"], "filter");
  EXPECT_EQ(result["inputs"], json::parse(R"({"readings":["edge-b/src/readings"]})"));
  EXPECT_EQ(result["subscribed"], json::parse(R"(["ctm/v1/data/edge-b/src/readings"])"));
  EXPECT_EQ(result["unsubscribed"], json::parse(R"(["ctm/v1/data/edge-a/src/readings"])"));
  EXPECT_EQ(stage_of(fog_->stats(), "filter").inputs["readings"], std::vector<std::string>{"edge-b/src/readings"});

  // edge-a's readings go first, then edge-b's: had edge-a's been taken, the
  // count would pass 10 before the last of edge-b's arrives.
  publish("edge-a", 6, 5);
  publish("edge-b", 1, 5);
  ASSERT_TRUE(eventually([&] { return delivered() >= 10; })) << delivered();
  publish("edge-b", 6, 1);
  ASSERT_TRUE(eventually([&] { return delivered() >= 11; })) << delivered();
  EXPECT_EQ(delivered(), 11u) << "edge-a's readings still reach the filter";

  // The heartbeat carries the new wiring (what /api/graph draws).
  ASSERT_TRUE(eventually([&] {
    adapters::HttpResult graph = adapters::http_get(api(), "/api/graph", auth_);
    // Route edges are "<machine>/stage/<stage>:<port>-><target>:<input>".
    return graph.ok && graph.body.find("\"edge-b/stage/src:readings->") != std::string::npos &&
           graph.body.find("\"edge-a/stage/src:readings->") == std::string::npos;
  }));
}

TEST_F(Route, BadRoutesAreRefusedWithTheReasonAndChangeNothing) {
  struct Case {
    std::string stage, body;
    int status;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"filter", "{}", 400, "expected a JSON object"},
      {"filter", R"({"node":"fog-1","input":"readings","sources":"edge-b/src/readings"})", 400, "an array of strings"},
      {"filter", R"({"node":"fog-1","input":"readings","sources":[]})", 400, "at least one source"},
      {"filter", R"({"node":"ghost","input":"readings","sources":["edge-b/src/readings"]})", 404, "unknown node"},
      {"nope", R"({"node":"fog-1","input":"readings","sources":["edge-b/src/readings"]})", 404, "runs no stage"},
      {"filter", R"({"node":"fog-1","input":"levels","sources":["edge-b/src/readings"]})", 400,
       "has no input port \"levels\" (its inputs: readings)"},
      {"filter", R"({"node":"fog-1","input":"readings","sources":["edge-b/readings"]})", 400,
       "source \"edge-b/readings\" is malformed"},
      {"filter", R"({"node":"fog-1","input":"readings","sources":["control.readings"]})", 400,
       "no stage \"control\" on node fog-1"},
      {"filter", R"({"node":"fog-1","input":"readings","sources":["e/s/p","e/s/p"]})", 400, "listed twice"},
  };
  for (const Case& c : cases) {
    adapters::HttpResult r = post_route(c.body, c.stage);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
    const json answer = json::parse(r.body, nullptr, false);
    const std::string error = answer.is_object() ? answer.value("error", "") : "";
    EXPECT_NE(error.find(c.reason), std::string::npos) << c.body << " -> " << r.body;
  }
  // Without signing in, nothing changes either.
  adapters::HttpResult anonymous = adapters::http_post(
      api(), "/api/stages/filter/route", R"({"node":"fog-1","input":"readings","sources":["e/s/p"]})",
      "application/json", {});
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  EXPECT_EQ(stage_of(fog_->stats(), "filter").inputs["readings"], std::vector<std::string>{"edge-a/src/readings"});
  publish("edge-a", 1, 3);
  ASSERT_TRUE(eventually([&] { return delivered() == 3; })) << delivered();
}

}  // namespace
}  // namespace continuum::node::agent
