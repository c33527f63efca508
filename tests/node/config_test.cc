// The node config: ${VAR} substitution, durations, and errors that name the
// file, the key and what was expected.
#include <gtest/gtest.h>

#include <map>

#include "continuum/node/agent/config.h"

namespace continuum::node::agent {
namespace {

EnvLookup env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string error_of(const std::string& text, std::map<std::string, std::string> vars = {}) {
  std::string error;
  std::optional<NodeConfig> c = parse_node_config(text, "edge-1.toml", "/tmp", env(vars), &error);
  EXPECT_FALSE(c.has_value());
  return error;
}

TEST(NodeConfig, SubstitutesVariablesWithDefaults) {
  std::string out, error;
  ASSERT_TRUE(substitute_variables("a=${A} b=${B:-two} c=${C:-x}", env({{"A", "one"}, {"C", "three"}}), &out, &error));
  EXPECT_EQ(out, "a=one b=two c=three");
  EXPECT_FALSE(substitute_variables("x\ny=${MISSING}", env({}), &out, &error));
  EXPECT_EQ(error, "line 2: ${MISSING} is not set and has no default");
}

TEST(NodeConfig, ParsesDurations) {
  EXPECT_EQ(parse_duration("250ms")->count(), 250);
  EXPECT_EQ(parse_duration("10s")->count(), 10000);
  EXPECT_EQ(parse_duration("2m")->count(), 120000);
  EXPECT_FALSE(parse_duration("10"));
  EXPECT_FALSE(parse_duration("s"));
  EXPECT_FALSE(parse_duration("1.5s"));
}

TEST(NodeConfig, ReadsAFullNodeWithVariables) {
  std::string text = R"(
[node]
id = "${NODE_ID:-edge-9}"
tier = "edge"
data_dir = "/tmp/ctm-${NODE_ID:-edge-9}"
heartbeat = "250ms"
[mqtt]
host = "${BROKER}"
port = 1884
[[devices]]
name = "field"
kind = "simulated"
sensors = { soil-1 = 30.5 }
actuators = ["pump-1"]
)";
  std::string error;
  std::optional<NodeConfig> c = parse_node_config(text, "edge.toml", "/tmp", env({{"BROKER", "10.0.0.2"}}), &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->id, "edge-9");
  EXPECT_EQ(c->data_dir, "/tmp/ctm-edge-9");
  EXPECT_EQ(c->heartbeat.count(), 250);
  EXPECT_TRUE(c->mqtt.enabled);
  EXPECT_EQ(c->mqtt.mqtt.host, "10.0.0.2");
  EXPECT_EQ(c->mqtt.mqtt.port, 1884);
  EXPECT_EQ(c->outbox.path, "/tmp/ctm-edge-9/outbox.db");
  ASSERT_EQ(c->devices.size(), 1u);
  EXPECT_EQ(c->devices[0].sim_sensors.at("soil-1"), 30.5);
}

TEST(NodeConfig, MissingKeyNamesFileKeyAndExpectation) {
  EXPECT_EQ(error_of("[node]\ntier = \"edge\"\n"),
            "edge-1.toml: node.id: missing; expected a string (the node id, no '/', '+', '#', '.')");
  EXPECT_EQ(error_of("[node]\nid = \"e\"\n[[stages]]\nname = \"s\"\n"),
            "edge-1.toml: stages[0].module: missing; expected a string (path to .wasm or .so)");
}

TEST(NodeConfig, WrongTypesAndUnknownKeys) {
  EXPECT_EQ(error_of("[node]\nid = \"e\"\n[[stages]]\nname = \"s\"\nmodule = 5\n"),
            "edge-1.toml: stages[0].module: expected a string (path to .wasm or .so)");
  EXPECT_EQ(error_of("[node]\nid = \"e\"\nheartbeat = \"5 seconds\"\n"),
            "edge-1.toml: node.heartbeat: expected a duration such as \"250ms\" or \"10s\", got \"5 seconds\"");
  EXPECT_EQ(error_of("[node]\nid = \"e\"\n[mqtt]\nport = \"1883\"\n"), "edge-1.toml: mqtt.port: expected an integer");
  EXPECT_EQ(error_of("[node]\nid = \"e\"\nheartbeet = \"5s\"\n"), "edge-1.toml: node.heartbeet: unknown key");
  EXPECT_EQ(error_of("[node]\nid = \"e/1\"\n"),
            "edge-1.toml: node.id: expected a node id without '/', '+', '#', '.' or spaces");
  EXPECT_EQ(error_of("[node]\nid = \"${ID}\"\n"), "edge-1.toml: line 2: ${ID} is not set and has no default");
  EXPECT_EQ(error_of("[node]\nid = \"e\"\n[outbox]\noverflow = \"drop\"\n"),
            "edge-1.toml: outbox.overflow: expected one of \"drop-oldest\", \"drop-newest\", \"block\"");
}

TEST(NodeConfig, PlacementLoadKeysHaveDefaultsAndBoundsOnTheMargin) {
  const std::string mqtt = "[node]\nid = \"cloud\"\n[mqtt]\nport = 1883\n";
  std::string error;
  std::optional<NodeConfig> c = parse_node_config(mqtt + "[placement]\n", "cloud.toml", "/tmp", env({}), &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->placement.load_threshold, 80);
  EXPECT_EQ(c->placement.load_window, std::chrono::milliseconds(30000));
  EXPECT_EQ(c->placement.cooldown, std::chrono::milliseconds(300000));
  EXPECT_EQ(c->placement.load_margin, 10);
  c = parse_node_config(mqtt + "[placement]\nload_threshold = 50\nload_window = \"2s\"\ncooldown = \"1m\"\nload_margin = 5\n",
                        "cloud.toml", "/tmp", env({}), &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->placement.load_threshold, 50);
  EXPECT_EQ(c->placement.load_window, std::chrono::milliseconds(2000));
  EXPECT_EQ(c->placement.cooldown, std::chrono::milliseconds(60000));
  EXPECT_EQ(c->placement.load_margin, 5);
  EXPECT_EQ(error_of(mqtt + "[placement]\nload_threshold = 30\nload_margin = 30\n"),
            "edge-1.toml: placement.load_margin: expected a percentage >= 0 and under load_threshold");
  EXPECT_EQ(error_of(mqtt + "[placement]\nload_threshold = -1\n"),
            "edge-1.toml: placement.load_threshold: expected a percentage of one core >= 0 (0: no load-based moves)");
  // Load moves off: any margin.
  c = parse_node_config(mqtt + "[placement]\nload_threshold = 0\n", "cloud.toml", "/tmp", env({}), &error);
  EXPECT_TRUE(c) << error;
}

TEST(NodeConfig, OutboxSyncIsNormalUnlessFullIsAsked) {
  std::string error;
  auto sync_of = [&](const std::string& outbox) {
    std::optional<NodeConfig> c =
        parse_node_config("[node]\nid = \"e\"\n" + outbox, "edge-1.toml", "/tmp", env({}), &error);
    EXPECT_TRUE(c) << error;
    return c && c->outbox.sync_full;
  };
  EXPECT_FALSE(sync_of(""));
  EXPECT_TRUE(sync_of("[outbox]\nsync = \"full\"\n"));
  EXPECT_FALSE(sync_of("[outbox]\nsync = \"normal\"\n"));
  EXPECT_EQ(error_of("[node]\nid = \"e\"\n[outbox]\nsync = \"off\"\n"),
            "edge-1.toml: outbox.sync: expected \"full\" or \"normal\"");
  EXPECT_EQ(error_of("[node]\nid = \"e\"\n[outbox]\nsync = true\n"),
            "edge-1.toml: outbox.sync: expected \"full\" or \"normal\"");
}

TEST(NodeConfig, ChecksModulesAndSourcesOfInputs) {
  EXPECT_EQ(error_of("[node]\nid = \"e\"\n[[stages]]\nname = \"a\"\nmodule = \"/dev/null\"\n"),
            "edge-1.toml: stages[0].module: no such file: /dev/null");
  std::string stage = std::string("[node]\nid = \"e\"\n[[stages]]\nname = \"a\"\nmodule = \"") + TRAP_WASM + "\"\n";
  EXPECT_EQ(error_of(stage + "inputs = { in = \"b.out\" }\n"),
            "edge-1.toml: stages[0].inputs.in: no stage \"b\" on this node (remote sources are \"<node>/<stage>/<port>\")");
  EXPECT_EQ(error_of(stage + "inputs = { in = \"b\" }\n"),
            "edge-1.toml: stages[0].inputs.in: expected \"<stage>.<port>\" (this node) or \"<node>/<stage>/<port>\" (remote), got \"b\"");
  EXPECT_EQ(error_of(stage + "inputs = { in = \"fog-1/b/out\" }\n"),
            "edge-1.toml: stages[0].inputs.in: remote source \"fog-1/b/out\" needs an [mqtt] table");
  std::string error;
  std::optional<NodeConfig> c = parse_node_config(
      stage + "inputs = { in = [\"a.x\"], remote = \"fog-1/b/out\" }\npublish = [\"x\"]\n[mqtt]\n", "e.toml", "/",
      env({}), &error);
  ASSERT_TRUE(c) << error;
  ASSERT_EQ(c->stages[0].inputs.at("remote").size(), 1u);
  EXPECT_TRUE(c->stages[0].inputs.at("remote")[0].remote);
  EXPECT_EQ(c->stages[0].inputs.at("remote")[0].node, "fog-1");
  EXPECT_FALSE(c->stages[0].publish_all);
}

}  // namespace
}  // namespace continuum::node::agent
