// Stage snapshots and version hand-over (StageRuntime::snapshot / restore /
// handover_to) with the reference soil-filter module: a stage moved between
// runtimes, or handed to its next version, continues exactly where it
// stopped (its EMA keeps its value), and damaged or mismatched snapshots are
// refused with a clear error.
#include <gtest/gtest.h>
#include <string.h>

#include <random>
#include <string>
#include <vector>

#include "continuum/host/stage_runtime.h"

namespace continuum::host {
namespace {

// Two sensors, a slow drift, a spike now and then, a watering step: enough
// to exercise the EMA, the history, outliers, level shifts and windows.
std::vector<std::string> readings(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    const char* sensor = i % 2 ? "soil-2" : "soil-1";
    double value = 30.0 + (i % 2) * 0.8 - i * 0.01 + ((i * 37) % 11) * 0.03;
    if (i % 23 == 7) value += 9.5;  // a spike
    if (i > 90) value += 12.0;      // watering: a level shift
    char buf[160];
    snprintf(buf, sizeof buf, R"({"t_ms":%d,"field":"north","sensor":"%s","value":%.2f,"status":"ok"})",
             (i / 2 + 1) * 60000, sensor, value);
    out.push_back(buf);
  }
  return out;
}

StageConfig soil_config() {
  StageConfig config;
  config.name = "soil-filter";
  std::string error;
  EXPECT_TRUE(GrantSet::parse({"config", "emit:filtered", "emit:aggregate"}, &config.grants, &error)) << error;
  config.config["aggregate_s"] = "600";
  return config;
}

// One stage on its own devices; emitted payloads are collected in order.
struct Stage {
  MemoryDevices devices;
  std::unique_ptr<StageRuntime> rt;

  explicit Stage(const std::string& path, StageConfig config = soil_config()) {
    std::string error;
    rt = StageRuntime::load(path, std::move(config), devices, RuntimeLimits{}, &error);
    EXPECT_TRUE(rt) << error;
  }
  void deliver(const std::string& port, const std::string& payload) {
    CallResult r = rt->deliver(port, reinterpret_cast<const uint8_t*>(payload.data()),
                               static_cast<uint32_t>(payload.size()));
    EXPECT_TRUE(r.ok()) << r.detail;
  }
  std::vector<std::string> emitted() {
    std::vector<std::string> out;
    for (const DeviceEvent& e : devices.take_events())
      if (e.kind == DeviceEvent::Kind::Emit) out.push_back(e.name + " " + std::string(e.bytes.begin(), e.bytes.end()));
    return out;
  }
};

// What the stage emits for messages [from, to) when it runs them all itself.
std::vector<std::string> reference_output(const std::string& path, const std::vector<std::string>& in,
                                          size_t from, size_t to) {
  Stage s(path);
  EXPECT_TRUE(s.rt->init().ok());
  for (size_t i = 0; i < to; ++i) {
    if (i == from) s.emitted();
    s.deliver("readings", in[i]);
  }
  return s.emitted();
}

PendingInput pending_of(const std::string& payload) {
  return PendingInput{"readings", std::vector<uint8_t>(payload.begin(), payload.end())};
}

StageConfig test_stage_config() {
  StageConfig config;
  config.name = "test";
  std::string error;
  EXPECT_TRUE(GrantSet::parse({"kv", "config", "sensor:soil-1", "emit:result", "emit:status"},
                              &config.grants, &error)) << error;
  return config;
}

TEST(StageSnapshot, NativeStageWithoutHooksIsRefusedClearly) {
  Stage native(TEST_STAGE_NATIVE, test_stage_config());
  ASSERT_TRUE(native.rt->init().ok());
  std::vector<uint8_t> snap;
  std::string error;
  EXPECT_FALSE(native.rt->snapshot({}, &snap, &error));
  EXPECT_EQ(error,
            "stage snapshot: a native module's memory cannot be snapshotted; such a stage needs "
            "ctm_state_save/ctm_state_load to move");
}

#ifdef SOIL_FILTER_WASM
TEST(StageSnapshot, WasmStageMovesWithItsPendingInputsAndContinuesExactly) {
  std::vector<std::string> in = readings(160);
  const size_t cut = 70, pending = 3;
  std::vector<std::string> expected = reference_output(SOIL_FILTER_WASM, in, cut, in.size());

  Stage source(SOIL_FILTER_WASM);
  ASSERT_TRUE(source.rt->init().ok());
  for (size_t i = 0; i < cut; ++i) source.deliver("readings", in[i]);
  ASSERT_TRUE(source.rt->host().kv().put("note", reinterpret_cast<const uint8_t*>("kept"), 4) == kOK);
  // The node had taken three more messages off the bus but not delivered them.
  std::vector<PendingInput> queued;
  for (size_t i = cut; i < cut + pending; ++i) queued.push_back(pending_of(in[i]));
  std::vector<uint8_t> snap;
  std::string error;
  ASSERT_TRUE(source.rt->snapshot(queued, &snap, &error)) << error;

  Stage target(SOIL_FILTER_WASM);
  std::vector<PendingInput> restored_pending;
  ASSERT_TRUE(target.rt->restore(snap.data(), snap.size(), &restored_pending, &error)) << error;
  EXPECT_EQ(restored_pending, queued);
  const std::vector<uint8_t>* note = target.rt->host().kv().get("note");
  ASSERT_NE(note, nullptr);
  EXPECT_EQ(std::string(note->begin(), note->end()), "kept");
  for (const PendingInput& p : restored_pending)
    target.deliver(p.port, std::string(p.payload.begin(), p.payload.end()));
  for (size_t i = cut + pending; i < in.size(); ++i) target.deliver("readings", in[i]);
  EXPECT_EQ(target.emitted(), expected);  // every sample, EMA included, bit for bit
}

TEST(StageSnapshot, HandoverKeepsTheEmaThroughTheStateHooks) {
  std::vector<std::string> in = readings(120);
  const size_t cut = 50;
  std::vector<std::string> expected = reference_output(SOIL_FILTER_WASM, in, cut, in.size());
  Stage old_version(SOIL_FILTER_WASM);
  ASSERT_TRUE(old_version.rt->init().ok());
  for (size_t i = 0; i < cut; ++i) old_version.deliver("readings", in[i]);
  // No second version of the module exists yet: the same module plays both.
  Stage new_version(SOIL_FILTER_WASM);
  HandoverKind kind;
  std::string error;
  ASSERT_TRUE(old_version.rt->handover_to(*new_version.rt, &kind, &error)) << error;
  EXPECT_EQ(kind, HandoverKind::StateHooks);
  new_version.emitted();
  for (size_t i = cut; i < in.size(); ++i) new_version.deliver("readings", in[i]);
  EXPECT_EQ(new_version.emitted(), expected);
}

TEST(StageSnapshot, HandoverFromTheNativeBuildToTheWasmBuild) {
  // The saved state is fixed-width little-endian, so the native (x86-64)
  // build hands it to the wasm32 build unchanged.
  std::vector<std::string> in = readings(120);
  const size_t cut = 61;
  std::vector<std::string> expected = reference_output(SOIL_FILTER_WASM, in, cut, in.size());
  Stage native(SOIL_FILTER_NATIVE);
  ASSERT_TRUE(native.rt->init().ok());
  for (size_t i = 0; i < cut; ++i) native.deliver("readings", in[i]);
  Stage wasm(SOIL_FILTER_WASM);
  HandoverKind kind;
  std::string error;
  ASSERT_TRUE(native.rt->handover_to(*wasm.rt, &kind, &error)) << error;
  EXPECT_EQ(kind, HandoverKind::StateHooks);
  wasm.emitted();
  for (size_t i = cut; i < in.size(); ++i) wasm.deliver("readings", in[i]);
  EXPECT_EQ(wasm.emitted(), expected);
}

TEST(StageSnapshot, NativeStageSnapshotsThroughItsHooks) {
  std::vector<std::string> in = readings(100);
  const size_t cut = 40;
  std::vector<std::string> expected = reference_output(SOIL_FILTER_WASM, in, cut, in.size());
  Stage native(SOIL_FILTER_NATIVE);
  ASSERT_TRUE(native.rt->init().ok());
  for (size_t i = 0; i < cut; ++i) native.deliver("readings", in[i]);
  std::vector<uint8_t> snap;
  std::string error;
  ASSERT_TRUE(native.rt->snapshot({}, &snap, &error)) << error;
  // Restored into the wasm build (one copy of a native library per process).
  Stage wasm(SOIL_FILTER_WASM);
  std::vector<PendingInput> pending;
  ASSERT_TRUE(wasm.rt->restore(snap.data(), snap.size(), &pending, &error)) << error;
  EXPECT_TRUE(pending.empty());
  wasm.emitted();
  for (size_t i = cut; i < in.size(); ++i) wasm.deliver("readings", in[i]);
  EXPECT_EQ(wasm.emitted(), expected);
}

#ifdef TEST_STAGE_WASM
TEST(StageSnapshot, HandoverWithoutHooksCarriesTheKvState) {
  Stage old_version(TEST_STAGE_WASM, test_stage_config());
  ASSERT_TRUE(old_version.rt->init().ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(old_version.rt->tick(i * 1000).ok());
  Stage new_version(TEST_STAGE_WASM, test_stage_config());
  HandoverKind kind;
  std::string error;
  ASSERT_TRUE(old_version.rt->handover_to(*new_version.rt, &kind, &error)) << error;
  EXPECT_EQ(kind, HandoverKind::KvOnly);
  ASSERT_TRUE(new_version.rt->tick(6000).ok());  // ctm_init read ticks=5 from the KV state
  const std::vector<uint8_t>* ticks = new_version.rt->host().kv().get("ticks");
  ASSERT_NE(ticks, nullptr);
  EXPECT_EQ(std::string(ticks->begin(), ticks->end()), "6");
}

TEST(StageSnapshot, SnapshotOfAnotherModuleIsRefused) {
  Stage soil(SOIL_FILTER_WASM);
  ASSERT_TRUE(soil.rt->init().ok());
  std::vector<uint8_t> snap;
  std::string error;
  ASSERT_TRUE(soil.rt->snapshot({}, &snap, &error)) << error;
  Stage other(TEST_STAGE_WASM, test_stage_config());
  std::vector<PendingInput> pending;
  EXPECT_FALSE(other.rt->restore(snap.data(), snap.size(), &pending, &error));
  EXPECT_EQ(error, "stage snapshot: snapshot was taken from a different module (offset 0x28)");
}
#endif

TEST(StageSnapshot, DamagedSnapshotsAreRefused) {
  std::vector<std::string> in = readings(30);
  Stage source(SOIL_FILTER_WASM);
  ASSERT_TRUE(source.rt->init().ok());
  for (const std::string& r : in) source.deliver("readings", r);
  std::vector<uint8_t> snap;
  std::string error;
  ASSERT_TRUE(source.rt->snapshot({pending_of(in[0])}, &snap, &error)) << error;
  // Truncations: every length in the container header and the pending
  // inputs, then a spread over the instance part (each needs a new runtime).
  std::vector<size_t> lengths;
  for (size_t n = 0; n < 400 && n < snap.size(); ++n) lengths.push_back(n);
  for (size_t n = 400; n < snap.size(); n += snap.size() / 150 + 1) lengths.push_back(n);
  lengths.push_back(snap.size() - 1);
  for (size_t n : lengths) {
    Stage target(SOIL_FILTER_WASM);
    std::vector<PendingInput> pending;
    EXPECT_FALSE(target.rt->restore(snap.data(), n, &pending, &error)) << "length " << n;
    EXPECT_FALSE(error.empty());
  }
  std::mt19937 rng(5);
  for (int i = 0; i < 150; ++i) {
    std::vector<uint8_t> bad = snap;
    size_t at = rng() % bad.size();
    bad[at] ^= static_cast<uint8_t>(1 + rng() % 255);
    Stage target(SOIL_FILTER_WASM);
    std::vector<PendingInput> pending;
    EXPECT_FALSE(target.rt->restore(bad.data(), bad.size(), &pending, &error)) << "flip at " << at;
  }
}

#endif  // SOIL_FILTER_WASM

}  // namespace
}  // namespace continuum::host
