// The reference soil-filter keeps one channel per probe, and a probe is a
// field AND a sensor: every field of an irrigation deployment has its own
// soil-1, and mixing them would smooth one field's moisture with another's.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "continuum/host/stage_runtime.h"

namespace continuum::host {
namespace {

std::vector<nlohmann::json> filtered_outputs(const std::string& module_path) {
  MemoryDevices devices;
  StageConfig config;
  config.name = "soil-filter";
  std::string error;
  EXPECT_TRUE(GrantSet::parse({"config", "emit:filtered", "emit:aggregate"}, &config.grants, &error)) << error;
  std::unique_ptr<StageRuntime> rt = StageRuntime::load(module_path, std::move(config), devices, RuntimeLimits{}, &error);
  EXPECT_TRUE(rt) << error;
  if (!rt) return {};
  EXPECT_TRUE(rt->init().ok());
  // Two fields, the same sensor name, levels 20 points apart.
  for (int minute = 1; minute <= 12; ++minute) {
    for (const auto& [field, level] : {std::pair{"north", 20.0}, std::pair{"south", 40.0}}) {
      const std::string payload = nlohmann::json{{"t_ms", minute * 60000}, {"field", field}, {"sensor", "soil-1"},
                                                 {"value", level + 0.1 * (minute % 3)}, {"status", "ok"}}
                                      .dump();
      CallResult r = rt->deliver("readings", reinterpret_cast<const uint8_t*>(payload.data()),
                                 static_cast<uint32_t>(payload.size()));
      EXPECT_TRUE(r.ok()) << r.detail;
    }
  }
  std::vector<nlohmann::json> out;
  for (const DeviceEvent& e : devices.take_events())
    if (e.kind == DeviceEvent::Kind::Emit && e.name == "filtered")
      out.push_back(nlohmann::json::parse(std::string(e.bytes.begin(), e.bytes.end())));
  return out;
}

void expect_fields_kept_apart(const std::string& module_path) {
  std::vector<nlohmann::json> out = filtered_outputs(module_path);
  int north = 0, south = 0;
  for (const nlohmann::json& o : out) {
    (o.value("field", "") == "north" ? north : south) += 1;
    ASSERT_TRUE(o.contains("field") && o.contains("ema")) << o.dump();
    const double expected_level = o["field"] == "north" ? 20.0 : 40.0;
    EXPECT_NEAR(o["ema"].get<double>(), expected_level, 1.0) << o.dump();
  }
  EXPECT_EQ(north, 12);
  EXPECT_EQ(south, 12);
}

TEST(SoilFilterFields, SameSensorNameInTwoFieldsIsTwoChannelsNative) { expect_fields_kept_apart(SOIL_FILTER_NATIVE); }

#ifdef SOIL_FILTER_WASM
TEST(SoilFilterFields, SameSensorNameInTwoFieldsIsTwoChannelsWasm) { expect_fields_kept_apart(SOIL_FILTER_WASM); }
#endif

}  // namespace
}  // namespace continuum::host
