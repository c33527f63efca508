// Node configurations for tests that run the agent (in process or as a
// `continuum node` child): the TOML pieces most tests share, and parsing
// with the failure reported. Header-only: the test links continuum_node_agent.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "continuum/node/agent/agent.h"

namespace continuum::testing {

// A simulated field (probes soil-1, soil-2 and pump-1) and the
// irrigation-control stage "control" on it, ticking every `tick`; `extra`
// is appended to the stage (e.g. its publish line).
inline std::string simulated_field_control(const std::string& module, const std::string& tick,
                                           const std::string& extra = "") {
  return R"(
[[devices]]
name = "field"
kind = "simulated"
sensors = { soil-1 = 30.0, soil-2 = 32.0 }
actuators = ["pump-1"]
[[stages]]
name = "control"
module = ")" + module + R"("
grants = ["config", "sensor:soil-1", "sensor:soil-2", "actuator:pump-1", "emit:readings", "emit:pump"]
config = { sensors = "soil-1,soil-2", low = 25, high = 35 }
tick = ")" + tick + "\"\n" + extra;
}

// Parses a node configuration as `file` (a test failure names the error);
// an empty configuration when it does not parse.
inline node::agent::NodeConfig parse_config(const std::string& text, const std::string& file = "test.toml") {
  std::string error;
  std::optional<node::agent::NodeConfig> c =
      node::agent::parse_node_config(text, file, "/", node::agent::process_environment(), &error);
  EXPECT_TRUE(c) << error;
  return c ? *c : node::agent::NodeConfig{};
}

}  // namespace continuum::testing
