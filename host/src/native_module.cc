// A stage module built as a native shared library from the same C sources.
// No fuel and no memory isolation: this build exists for development and for
// checking that both builds behave the same. dlopen shares one copy of the
// library per process, so load one stage per native library at a time.
#include <dlfcn.h>

#include "bindings.h"
#include "continuum/host/stage_runtime.h"

namespace continuum::host {
namespace {

using InitFn = int32_t (*)();
using OnMessageFn = int32_t (*)(const char*, uint32_t, const uint8_t*, uint32_t);
using OnTickFn = int32_t (*)(int64_t);
using StateSaveFn = int32_t (*)(uint8_t*, uint32_t);
using StateLoadFn = int32_t (*)(const uint8_t*, uint32_t);

class NativeStageModule final : public StageModule {
 public:
  explicit NativeStageModule(StageHost& host) : table_(make_native_host_table(host)) {}
  ~NativeStageModule() override {
    if (handle_ != nullptr) dlclose(handle_);
  }

  bool load(const std::string& path, std::string* error) {
    // A bare file name would make dlopen search the library path instead.
    std::string where = path.find('/') == std::string::npos ? "./" + path : path;
    handle_ = dlopen(where.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) {
      *error = std::string("cannot load native module: ") + dlerror();
      return false;
    }
    auto install = reinterpret_cast<ctm_native_install_fn>(dlsym(handle_, CTM_NATIVE_INSTALL_SYMBOL));
    init_ = reinterpret_cast<InitFn>(dlsym(handle_, "ctm_init"));
    on_message_ = reinterpret_cast<OnMessageFn>(dlsym(handle_, "ctm_on_message"));
    on_tick_ = reinterpret_cast<OnTickFn>(dlsym(handle_, "ctm_on_tick"));
    state_save_ = reinterpret_cast<StateSaveFn>(dlsym(handle_, "ctm_state_save"));  // optional
    state_load_ = reinterpret_cast<StateLoadFn>(dlsym(handle_, "ctm_state_load"));  // optional
    if (!install || !init_ || !on_message_ || !on_tick_) {
      *error = path + ": not a Continuum module (needs ctm_native_install, ctm_init, "
                      "ctm_on_message, ctm_on_tick)";
      return false;
    }
    if (install(&table_) != 0) {
      *error = path + ": built for another host interface version";
      return false;
    }
    return true;
  }

  CallResult init() override { return done(init_()); }
  CallResult on_message(std::string_view port, const uint8_t* payload, uint32_t len) override {
    return done(on_message_(port.data(), static_cast<uint32_t>(port.size()), payload, len));
  }
  CallResult on_tick(int64_t now_us) override { return done(on_tick_(now_us)); }

  bool has_state_save() const override { return state_save_ != nullptr; }
  bool has_state_load() const override { return state_load_ != nullptr; }

  // The same two-call protocol as in wasm, with a host buffer (the library
  // shares our address space, so no ctm_alloc is needed).
  CallResult save_state(std::vector<uint8_t>* out) override {
    int32_t n = state_save_(nullptr, 0);
    if (n < 0) return done(n);
    out->assign(static_cast<size_t>(n), 0);
    int32_t filled = state_save_(out->data(), static_cast<uint32_t>(n));
    if (filled != n)
      return {CallResult::Kind::HandlerError, filled, "ctm_state_save changed its length between calls"};
    return done(0);
  }
  CallResult load_state(const uint8_t* state, uint32_t len) override {
    return done(state_load_(state, len));
  }

  bool write_instance_snapshot(engine::SnapshotSink&, std::string* error) override {
    *error = "a native module's memory cannot be snapshotted";
    return false;
  }
  bool restore_instance_snapshot(engine::SnapshotSource&, std::string* error) override {
    *error = "a native module cannot restore a wasm instance snapshot";
    return false;
  }

 private:
  static CallResult done(int32_t code) { return {CallResult::Kind::Ok, code, ""}; }

  ctm_native_host table_;  // the library keeps a pointer to it
  void* handle_ = nullptr;
  InitFn init_ = nullptr;
  OnMessageFn on_message_ = nullptr;
  OnTickFn on_tick_ = nullptr;
  StateSaveFn state_save_ = nullptr;
  StateLoadFn state_load_ = nullptr;
};

}  // namespace

std::unique_ptr<StageModule> load_native_module(const std::string& path, StageHost& host,
                                                std::string* error) {
  auto m = std::make_unique<NativeStageModule>(host);
  if (!m->load(path, error)) return nullptr;
  return m;
}

}  // namespace continuum::host
