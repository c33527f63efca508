// One stage brought to life: a module (wasm through the engine, or a native
// shared library built from the same C sources) bound to a StageHost, with
// deliveries of init, messages and ticks. The node agent owns one per stage.
#pragma once

#include <stdint.h>

#include <memory>
#include <string>
#include <string_view>

#include "continuum/host/stage_host.h"

namespace continuum::host {

struct RuntimeLimits {
  uint64_t fuel_per_call = 50 * 1000 * 1000;  // wasm only: instructions per delivery
  uint64_t memory_bytes = 16 * 1024 * 1024;   // wasm only: engine allocations, guest memory included
};

// How one delivery ended.
struct CallResult {
  enum class Kind : uint8_t { Ok, HandlerError, Trapped, OutOfFuel, TooLarge };
  Kind kind = Kind::Ok;
  int32_t code = 0;     // the handler's return value (Ok, HandlerError)
  std::string detail;   // trap text
  bool ok() const { return kind == Kind::Ok; }
};

// The three module entry points, however the module runs.
class StageModule {
 public:
  virtual ~StageModule() = default;
  virtual CallResult init() = 0;
  virtual CallResult on_message(std::string_view port, const uint8_t* payload, uint32_t len) = 0;
  virtual CallResult on_tick(int64_t now_us) = 0;
  // Instructions run since loading (wasm); 0 where nothing is metered (native).
  virtual uint64_t fuel_consumed() const { return 0; }
};

// Loads a wasm module from bytes, or a native library from a path.
std::unique_ptr<StageModule> load_wasm_module(const uint8_t* bytes, size_t size, StageHost& host,
                                              const RuntimeLimits& limits, std::string* error);
std::unique_ptr<StageModule> load_native_module(const std::string& path, StageHost& host,
                                                std::string* error);

class StageRuntime {
 public:
  // Loads PATH: a wasm binary (by its magic bytes) or else a native shared library.
  static std::unique_ptr<StageRuntime> load(const std::string& path, StageConfig config,
                                            HostDevices& devices, const RuntimeLimits& limits,
                                            std::string* error);
  static std::unique_ptr<StageRuntime> from_wasm_bytes(const uint8_t* bytes, size_t size,
                                                       StageConfig config, HostDevices& devices,
                                                       const RuntimeLimits& limits,
                                                       std::string* error);

  CallResult init();
  CallResult deliver(std::string_view port, const uint8_t* payload, uint32_t len);
  CallResult tick(int64_t now_us);

  StageHost& host() { return *host_; }
  uint64_t fuel_consumed() const { return module_->fuel_consumed(); }

 private:
  StageRuntime() = default;
  CallResult finish(const char* entry, CallResult r);

  std::unique_ptr<StageHost> host_;
  std::unique_ptr<StageModule> module_;
};

}  // namespace continuum::host
