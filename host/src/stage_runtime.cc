#include "continuum/host/stage_runtime.h"

#include <stdio.h>

#include <vector>

namespace continuum::host {

std::unique_ptr<StageRuntime> StageRuntime::from_wasm_bytes(const uint8_t* bytes, size_t size,
                                                            StageConfig config,
                                                            HostDevices& devices,
                                                            const RuntimeLimits& limits,
                                                            std::string* error) {
  std::unique_ptr<StageRuntime> rt(new StageRuntime());
  rt->host_ = std::make_unique<StageHost>(std::move(config), devices);
  rt->module_ = load_wasm_module(bytes, size, *rt->host_, limits, error);
  if (!rt->module_) return nullptr;
  return rt;
}

std::unique_ptr<StageRuntime> StageRuntime::load(const std::string& path, StageConfig config,
                                                 HostDevices& devices, const RuntimeLimits& limits,
                                                 std::string* error) {
  FILE* f = fopen(path.c_str(), "rb");
  if (f == nullptr) {
    *error = "cannot open " + path;
    return nullptr;
  }
  std::vector<uint8_t> bytes;
  uint8_t chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) bytes.insert(bytes.end(), chunk, chunk + n);
  fclose(f);
  static const uint8_t kWasmMagic[4] = {0x00, 0x61, 0x73, 0x6d};
  if (bytes.size() >= 4 && std::equal(kWasmMagic, kWasmMagic + 4, bytes.begin())) {
    auto rt = from_wasm_bytes(bytes.data(), bytes.size(), std::move(config), devices, limits, error);
    if (!rt) *error = path + ": " + *error;
    return rt;
  }
  std::unique_ptr<StageRuntime> rt(new StageRuntime());
  rt->host_ = std::make_unique<StageHost>(std::move(config), devices);
  rt->module_ = load_native_module(path, *rt->host_, error);
  if (!rt->module_) return nullptr;
  return rt;
}

CallResult StageRuntime::finish(const char* entry, CallResult r) {
  StageCounters& c = host_->counters();
  std::string what;
  switch (r.kind) {
    case CallResult::Kind::Ok:
      if (r.code >= 0) return r;
      r.kind = CallResult::Kind::HandlerError;
      ++c.handler_errors;
      what = std::string(entry) + " returned " + std::to_string(r.code) + " (" +
             status_name(r.code) + ")";
      break;
    case CallResult::Kind::HandlerError:
      ++c.handler_errors;
      what = std::string(entry) + ": " + r.detail;
      break;
    case CallResult::Kind::Trapped:
      ++c.traps;
      what = std::string(entry) + " trapped: " + r.detail;
      break;
    case CallResult::Kind::OutOfFuel:
      ++c.out_of_fuel;
      what = std::string(entry) + " ran out of fuel";
      break;
    case CallResult::Kind::TooLarge:
      ++c.undelivered;
      what = std::string(entry) + ": " + r.detail;
      break;
  }
  host_->devices().log(3, host_->name(), what);
  return r;
}

CallResult StageRuntime::init() {
  host_->begin_cycle();
  return finish("ctm_init", module_->init());
}

CallResult StageRuntime::deliver(std::string_view port, const uint8_t* payload, uint32_t len) {
  host_->begin_cycle();
  return finish("ctm_on_message", module_->on_message(port, payload, len));
}

CallResult StageRuntime::tick(int64_t now_us) {
  host_->begin_cycle();
  return finish("ctm_on_tick", module_->on_tick(now_us));
}

}  // namespace continuum::host
