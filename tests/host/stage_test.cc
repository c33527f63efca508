// A stage end to end: the test module (tests/host/modules/test_stage.c) in
// its wasm and its native build, on in-memory devices.
#include <gtest/gtest.h>

#include <string.h>

#include <fstream>
#include <sstream>
#include <string>

#include "continuum/host/replay.h"
#include "continuum_json.h"
#include "continuum/host/stage_runtime.h"

namespace continuum::host {
namespace {

std::string text_of(const std::vector<uint8_t>& b) { return std::string(b.begin(), b.end()); }

std::string command(const std::string& action) {
  return R"({"node":"edge-1","stage":"ctl","seq":1,"ts":1,"values":{"action":")" + action + "\"}}";
}

class StageTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::string module_path() const {
#ifdef TEST_STAGE_WASM
    if (GetParam() == "wasm") return TEST_STAGE_WASM;
#endif
    return TEST_STAGE_NATIVE;
  }
  bool is_wasm() const { return GetParam() == "wasm"; }

  void start(std::vector<std::string> grants, std::vector<std::string> limits = {},
             RuntimeLimits runtime_limits = {}) {
    StageConfig config;
    config.name = "test";
    std::string error;
    ASSERT_TRUE(GrantSet::parse(grants, &config.grants, &error)) << error;
    for (const std::string& l : limits) ASSERT_TRUE(config.limits.add(l, &error)) << error;
    config.config["threshold"] = "0.35";
    stage_ = StageRuntime::load(module_path(), std::move(config), devices_, runtime_limits, &error);
    ASSERT_TRUE(stage_) << error;
    ASSERT_TRUE(stage_->init().ok());
    devices_.take_events();
  }

  CallResult send(const std::string& port, const std::string& payload) {
    return stage_->deliver(port, reinterpret_cast<const uint8_t*>(payload.data()),
                           static_cast<uint32_t>(payload.size()));
  }

  // The {"op":..,"code":..} reports on port "result", in order.
  std::vector<std::string> results() {
    std::vector<std::string> out;
    for (const DeviceEvent& e : devices_.events()) {
      if (e.kind == DeviceEvent::Kind::Emit && e.name == "result") out.push_back(text_of(e.bytes));
    }
    return out;
  }

  size_t count(DeviceEvent::Kind kind) {
    size_t n = 0;
    for (const DeviceEvent& e : devices_.events()) n += e.kind == kind;
    return n;
  }

  MemoryDevices devices_;
  std::unique_ptr<StageRuntime> stage_;
};

TEST_P(StageTest, UngrantedCallIsRefusedCountedAndChangesNothing) {
  start({"emit:result", "actuator:robot-stop", "config", "kv"});
  ASSERT_TRUE(send("cmd", command("pump-on")).ok());
  EXPECT_EQ(results(), std::vector<std::string>{R"({"op":"pump-on","code":-1})"});
  EXPECT_TRUE(devices_.actuators().empty());
  EXPECT_EQ(stage_->host().counters().not_granted, 1u);
  ASSERT_EQ(count(DeviceEvent::Kind::Refused), 1u);
  for (const DeviceEvent& e : devices_.events()) {
    if (e.kind != DeviceEvent::Kind::Refused) continue;
    EXPECT_EQ(e.name, "actuator_set");
    EXPECT_EQ(e.resource, "pump-1");
    EXPECT_EQ(e.status, kNOT_GRANTED);
  }
  // A named grant covers only its resource: a sensor that was not granted.
  ASSERT_TRUE(send("cmd", command("secret")).ok());
  EXPECT_EQ(results().back(), R"({"op":"secret","code":-1})");
  EXPECT_EQ(stage_->host().counters().not_granted, 2u);
}

TEST_P(StageTest, EmitOnAnUngrantedPortSendsNothing) {
  start({"actuator:robot-stop", "config", "kv"});  // may act, may not emit
  ASSERT_TRUE(send("cmd", command("stop")).ok());
  EXPECT_EQ(devices_.actuators().at("robot-stop"), 1.0);
  EXPECT_EQ(count(DeviceEvent::Kind::Emit), 0u);
  EXPECT_EQ(stage_->host().counters().not_granted, 1u);
}

TEST_P(StageTest, StopLatchHoldsForTheCycleThatRaisedIt) {
  start({"emit:result", "actuator:robot-stop"}, {"stop:robot-stop"});
  ASSERT_TRUE(send("cmd", command("stop-and-clear")).ok());
  EXPECT_EQ(results(), (std::vector<std::string>{R"({"op":"stop","code":0})",
                                                 R"({"op":"clear","code":-6})"}));
  EXPECT_EQ(devices_.actuators().at("robot-stop"), 1.0);
  EXPECT_EQ(stage_->host().counters().unsafe, 1u);
  ASSERT_TRUE(send("cmd", command("clear")).ok());  // the next cycle may withdraw it
  EXPECT_EQ(results().back(), R"({"op":"clear","code":0})");
  EXPECT_EQ(devices_.actuators().at("robot-stop"), 0.0);
}

TEST_P(StageTest, PumpIsSwitchedOffAndKeptOffByTheHost) {
  start({"emit:*", "actuator:pump-1", "sensor:soil-1", "kv", "config"},
        {"pump:pump-1:max_on=3000,window=60000,min_off=2000"});
  devices_.set_sensor("soil-1", 0.1);  // dry: the module wants the pump on all the time
  for (int64_t ms : {0, 1000, 2000}) {
    devices_.set_time_us(ms * 1000);
    ASSERT_TRUE(stage_->tick(ms * 1000).ok());
  }
  EXPECT_EQ(devices_.actuators().at("pump-1"), 1.0);
  devices_.set_time_us(3000 * 1000);
  ASSERT_TRUE(stage_->tick(3000 * 1000).ok());
  EXPECT_EQ(devices_.actuators().at("pump-1"), 0.0);  // forced off, and the module's "on" refused
  EXPECT_EQ(stage_->host().counters().forced_off, 1u);
  EXPECT_EQ(stage_->host().counters().unsafe, 1u);
  devices_.set_time_us(4999 * 1000);
  ASSERT_TRUE(stage_->tick(4999 * 1000).ok());
  EXPECT_EQ(devices_.actuators().at("pump-1"), 0.0);
  EXPECT_EQ(stage_->host().counters().unsafe, 2u);
  devices_.set_time_us(61000 * 1000);  // new window, off long enough
  ASSERT_TRUE(stage_->tick(61000 * 1000).ok());
  EXPECT_EQ(devices_.actuators().at("pump-1"), 1.0);
}

TEST_P(StageTest, ConfigAndStateWithinLimits) {
  start({"emit:*", "actuator:pump-1", "sensor:soil-1", "kv", "config"});
  devices_.set_sensor("soil-1", 0.34);  // below the configured 0.35 (the default would be 0.3)
  ASSERT_TRUE(stage_->tick(0).ok());
  ASSERT_TRUE(stage_->tick(1).ok());
  EXPECT_EQ(devices_.actuators().at("pump-1"), 1.0);
  const std::vector<uint8_t>* ticks = stage_->host().kv().get("ticks");
  ASSERT_NE(ticks, nullptr);
  EXPECT_EQ(text_of(*ticks), "2");
  ASSERT_TRUE(send("cmd", command("kv-big")).ok());
  EXPECT_EQ(results().back(), R"({"op":"kv-big","code":-4})");
  EXPECT_EQ(stage_->host().kv().get("big"), nullptr);
}

TEST_P(StageTest, NonFiniteActuatorValueIsInvalid) {
  start({"emit:result", "actuator:pump-1"});
  ASSERT_TRUE(send("cmd", command("nan")).ok());
  EXPECT_EQ(results().back(), R"({"op":"nan","code":-8})");
  EXPECT_TRUE(devices_.actuators().empty());
}

TEST_P(StageTest, HandlerErrorsAreCounted) {
  start({"emit:result"});
  CallResult r = send("elsewhere", "{}");
  EXPECT_EQ(r.kind, CallResult::Kind::HandlerError);
  EXPECT_EQ(r.code, kNOT_FOUND);
  EXPECT_EQ(stage_->host().counters().handler_errors, 1u);
}

// Random doubles formatted here (natively), parsed and formatted again by the
// module: the text must come back unchanged from either build, so parsing is
// exact and formatting is identical in wasm and native code.
TEST_P(StageTest, NumbersComeBackAsTheSameText) {
  start({"emit:numbers-out", "config", "kv"});
  uint64_t state = 0x2545F4914F6CDD1Dull;
  for (int batch = 0; batch < 40; ++batch) {
    std::string values;
    for (int i = 0; i < 30; ++i) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      double v;
      uint64_t bits = state;
      if (i % 3 == 0) bits = (bits & 0x800FFFFFFFFFFFFFull) | (uint64_t(1023 + i - 15) << 52);
      memcpy(&v, &bits, sizeof v);
      if (v != v || v - v != 0) v = i;  // NaN and infinities have no JSON number
      char text[CTM_F64_TEXT_MAX];
      uint32_t n = ctm_fmt_f64(text, sizeof text, v);
      values += (i ? "," : "") + std::string("\"n") + std::to_string(i) + "\":" + std::string(text, n);
    }
    devices_.take_events();
    ASSERT_TRUE(send("numbers", "{\"values\":{" + values + "}}").ok());
    ASSERT_EQ(devices_.events().size(), 1u);
    EXPECT_EQ(text_of(devices_.events()[0].bytes), "{" + values + "}");
  }
}

INSTANTIATE_TEST_SUITE_P(Builds, StageTest,
#ifdef TEST_STAGE_WASM
                         ::testing::Values("wasm", "native"),
#else
                         ::testing::Values("native"),
#endif
                         [](const auto& info) { return info.param; });

#ifdef TEST_STAGE_WASM
class WasmStageTest : public StageTest {};

TEST_P(WasmStageTest, PointersOutsideGuestMemoryAreRefused) {
  start({"emit:result", "sensor:soil-1"});
  devices_.set_sensor("soil-1", 0.5);
  ASSERT_TRUE(send("cmd", command("bad-pointer")).ok());
  EXPECT_EQ(results(), (std::vector<std::string>{R"({"op":"emit-bad-payload","code":-2})",
                                                 R"({"op":"sensor-bad-name","code":-2})",
                                                 R"({"op":"sensor-bad-out","code":-2})",
                                                 R"({"op":"emit-wrapping","code":-2})"}));
  EXPECT_EQ(stage_->host().counters().bad_pointer, 4u);
  EXPECT_EQ(count(DeviceEvent::Kind::Emit), 4u);  // only the reports themselves
}

TEST_P(WasmStageTest, RunawayHandlerIsStoppedByFuelAndTheStageGoesOn) {
  RuntimeLimits limits;
  limits.fuel_per_call = 100000;
  start({"emit:result", "actuator:robot-stop"}, {}, limits);
  CallResult r = send("cmd", command("spin"));
  EXPECT_EQ(r.kind, CallResult::Kind::OutOfFuel);
  EXPECT_EQ(stage_->host().counters().out_of_fuel, 1u);
  ASSERT_TRUE(send("cmd", command("stop")).ok());
  EXPECT_EQ(results().back(), R"({"op":"stop","code":0})");
}

TEST_P(WasmStageTest, MessageLargerThanTheInboxIsNotDelivered) {
  start({"emit:result"});
  std::string huge = "{\"values\":{\"action\":\"" + std::string(5000, 'x') + "\"}}";
  CallResult r = send("cmd", huge);
  EXPECT_EQ(r.kind, CallResult::Kind::TooLarge);
  EXPECT_EQ(stage_->host().counters().undelivered, 1u);
}

INSTANTIATE_TEST_SUITE_P(Builds, WasmStageTest, ::testing::Values("wasm"),
                         [](const auto& info) { return info.param; });

// The same trace through both builds gives the same lines, and the lines the
// trace's expected-output file records.
TEST(Replay, WasmAndNativeBuildsAgreeWithTheRecordedOutput) {
  std::ifstream expected_file(TEST_TRACES_DIR "/soil.expected.jsonl");
  std::stringstream expected;
  expected << expected_file.rdbuf();
  ASSERT_FALSE(expected.str().empty());
  std::string outputs[2];
  const char* modules[2] = {TEST_STAGE_WASM, TEST_STAGE_NATIVE};
  for (int i = 0; i < 2; ++i) {
    ReplayOptions o;
    o.module_path = modules[i];
    std::string error;
    ASSERT_TRUE(GrantSet::parse({"sensor:soil-1", "actuator:pump-1", "actuator:robot-stop",
                                 "serial:krc2", "emit:readings", "emit:result",
                                 "emit:numbers-out", "config", "kv", "random"},
                                &o.stage.grants, &error));
    ASSERT_TRUE(o.stage.limits.add("pump:pump-1:max_on=3000,window=60000,min_off=2000", &error));
    ASSERT_TRUE(o.stage.limits.add("stop:robot-stop", &error));
    o.stage.config["threshold"] = "0.35";
    std::ifstream trace(TEST_TRACES_DIR "/soil.jsonl");
    std::stringstream out;
    ReplaySummary summary;
    ASSERT_TRUE(run_replay(o, trace, out, &summary, &error)) << error;
    outputs[i] = out.str();
    EXPECT_EQ(summary.counters.unsafe, 2u);
    EXPECT_EQ(summary.counters.not_granted, 1u);
  }
  EXPECT_EQ(outputs[0], outputs[1]);
  EXPECT_EQ(outputs[0], expected.str());
}

TEST(Replay, MalformedTraceLineIsReportedWithItsNumber) {
  ReplayOptions o;
  o.module_path = TEST_STAGE_WASM;
  o.stage.grants = GrantSet::everything();
  std::stringstream trace("{\"t\":0,\"tick\":true}\n{\"t\":5,\"teleport\":1}\n");
  std::stringstream out;
  ReplaySummary summary;
  std::string error;
  EXPECT_FALSE(run_replay(o, trace, out, &summary, &error));
  EXPECT_EQ(error.rfind("trace line 2:", 0), 0u) << error;
}
#endif

}  // namespace
}  // namespace continuum::host
