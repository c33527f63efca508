// bench_stage_cycle: the hot path of a stage module, one delivery at a time,
// through the same host as the node (StageRuntime + StageHost): the module
// parses the message JSON, does its work (collision-guard: kinematics and
// distances; soil-filter: the filter), writes its output JSON and emits it.
//
//   bench_stage_cycle MODULE --trace FILE [--config FILE] [--messages N]
//
// MODULE is a .wasm (run by our engine, fuel metered as on a node) or the
// native shared library built from the same C sources. The trace's port
// messages are delivered in order, round and round, until N deliveries
// (default: one pass); the host clock follows the trace, each pass later than
// the one before.
//
// stdout (the checked output, equal for every build of a module):
//   deliveries=N emitted=E serial=S refused=R digest=<FNV-1a 64 of the outputs>
// stderr (the times; only the deliver() calls are timed, not trace reading or
// the digest):
//   timing load_ms=... init_ms=... first_us=... mean_us=... median_us=...
// Exit status: 0 ok; 1 the module failed to load or a delivery failed; 2 usage.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "continuum/host/devices.h"
#include "continuum/host/replay.h"
#include "continuum/host/stage_runtime.h"

namespace {

using continuum::host::CallResult;
using continuum::host::DeviceEvent;
using Clock = std::chrono::steady_clock;

struct Message {
  int64_t time_us;
  std::string port;
  std::string payload;
};

// FNV-1a 64 (also in node_stage_run.js): a digest of everything the stage did.
struct Digest {
  uint64_t h = 0xcbf29ce484222325ull;
  void add(const void* data, size_t len) {
    const uint8_t* p = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < len; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  }
  void add(const std::string& s) { add(s.data(), s.size()); }
};

int usage(const char* why) {
  fprintf(stderr, "error: %s\nusage: bench_stage_cycle MODULE --trace FILE [--config FILE] [--messages N]\n",
          why);
  return 2;
}

bool read_file(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream s;
  s << in.rdbuf();
  *out = s.str();
  return true;
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string module, trace_path, config_path;
  long long messages = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--trace" || a == "--config" || a == "--messages") && i + 1 >= argc)
      return usage((a + " needs a value").c_str());
    if (a == "--trace") {
      trace_path = argv[++i];
    } else if (a == "--config") {
      config_path = argv[++i];
    } else if (a == "--messages") {
      messages = atoll(argv[++i]);
      if (messages <= 0) return usage("--messages must be a positive count");
    } else if (!a.empty() && a[0] != '-' && module.empty()) {
      module = a;
    } else {
      return usage(("unexpected argument " + a).c_str());
    }
  }
  if (module.empty() || trace_path.empty()) return usage("MODULE and --trace are required");

  std::vector<Message> trace;
  {
    std::ifstream in(trace_path);
    if (!in) return usage(("cannot read " + trace_path).c_str());
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      nlohmann::json ev = nlohmann::json::parse(line, nullptr, false);
      if (!ev.is_object() || !ev.contains("port") || !ev.contains("payload")) continue;
      const nlohmann::json& p = ev["payload"];
      trace.push_back({static_cast<int64_t>(ev.value("t", 0.0) * 1000.0), ev["port"].get<std::string>(),
                       p.is_string() ? p.get<std::string>() : p.dump()});
    }
  }
  if (trace.empty()) return usage(("no port messages in " + trace_path).c_str());
  if (messages == 0) messages = static_cast<long long>(trace.size());

  continuum::host::StageConfig config;
  config.name = "bench";
  config.grants = continuum::host::GrantSet::everything();
  if (!config_path.empty()) {
    std::string text, error;
    if (!read_file(config_path, &text)) return usage(("cannot read " + config_path).c_str());
    if (!continuum::host::parse_stage_config(text, &config.config, &error)) {
      fprintf(stderr, "error: %s: %s\n", config_path.c_str(), error.c_str());
      return 2;
    }
  }

  continuum::host::MemoryDevices devices;
  std::string error;
  auto start = Clock::now();
  auto stage = continuum::host::StageRuntime::load(module, config, devices, {}, &error);
  double load_ms = ms_since(start);
  if (!stage) {
    fprintf(stderr, "error: %s: %s\n", module.c_str(), error.c_str());
    return 1;
  }
  devices.set_time_us(trace.front().time_us);
  start = Clock::now();
  CallResult init = stage->init();
  double init_ms = ms_since(start);
  if (!init.ok()) {
    fprintf(stderr, "error: ctm_init failed: %s\n", init.detail.c_str());
    return 1;
  }

  const int64_t pass_us = trace.back().time_us - trace.front().time_us + 1000000;
  std::vector<double> call_us;
  call_us.reserve(static_cast<size_t>(messages));
  Digest digest;
  uint64_t emitted = 0, serial = 0, refused = 0;
  for (long long n = 0; n < messages; ++n) {
    const Message& m = trace[static_cast<size_t>(n) % trace.size()];
    devices.set_time_us(m.time_us + static_cast<int64_t>(n / static_cast<long long>(trace.size())) * pass_us);
    auto t0 = Clock::now();
    CallResult r = stage->deliver(m.port, reinterpret_cast<const uint8_t*>(m.payload.data()),
                                  static_cast<uint32_t>(m.payload.size()));
    auto t1 = Clock::now();
    call_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    if (!r.ok()) {
      fprintf(stderr, "error: delivery %lld failed: %s (code %d)\n", n + 1, r.detail.c_str(), r.code);
      return 1;
    }
    for (const DeviceEvent& e : devices.take_events()) {
      const char* kind = e.kind == DeviceEvent::Kind::Emit          ? "emit"
                         : e.kind == DeviceEvent::Kind::SerialWrite ? "serial"
                         : e.kind == DeviceEvent::Kind::Refused     ? "refused"
                                                                    : nullptr;
      if (!kind) continue;  // logs and actuators are not part of these modules' output
      emitted += e.kind == DeviceEvent::Kind::Emit;
      serial += e.kind == DeviceEvent::Kind::SerialWrite;
      refused += e.kind == DeviceEvent::Kind::Refused;
      digest.add(kind, strlen(kind) + 1);
      digest.add(e.name);
      digest.add("\0", 1);
      digest.add(e.bytes.data(), e.bytes.size());
      digest.add("\n", 1);
    }
  }

  double sum = 0;
  for (double us : call_us) sum += us;
  double first = call_us.front();
  std::vector<double> sorted = call_us;
  std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
  printf("deliveries=%lld emitted=%llu serial=%llu refused=%llu digest=%016llx\n", messages,
         (unsigned long long)emitted, (unsigned long long)serial, (unsigned long long)refused,
         (unsigned long long)digest.h);
  // Wasm instructions per delivery (fuel also counts ctm_init's, negligible here); 0 natively.
  fprintf(stderr,
          "timing load_ms=%.3f init_ms=%.3f first_us=%.3f mean_us=%.4f median_us=%.4f instructions_per_message=%.0f\n",
          load_ms, init_ms, first, sum / static_cast<double>(call_us.size()), sorted[sorted.size() / 2],
          static_cast<double>(stage->fuel_consumed()) / static_cast<double>(messages));
  return 0;
}
