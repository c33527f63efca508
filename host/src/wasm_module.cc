// A stage module running on the engine: instantiation against the table's
// imports, the export checks, and deliveries with a fuel budget per call.
#include <string.h>

#include <memory>

#include "bindings.h"
#include "continuum/engine/port.h"
#include "continuum/engine/runtime.h"
#include "continuum/host/stage_runtime.h"

namespace continuum::host {
namespace {

using engine::Outcome;
using engine::Value;
using engine::ValType;

std::string describe(const engine::Error& e) {
  char buf[256];
  engine::format_error(e, buf, sizeof buf);
  return buf;
}

class WasmStageModule final : public StageModule {
 public:
  WasmStageModule(StageHost& host, const RuntimeLimits& limits)
      : host_(host),
        limits_(limits),
        alloc_(engine::port::system_allocator(), limits.memory_bytes) {}

  bool load(const uint8_t* bytes, size_t size, std::string* error);

  CallResult init() override { return call(init_, nullptr, 0); }

  CallResult on_message(std::string_view port, const uint8_t* payload, uint32_t len) override {
    uint64_t total = uint64_t(port.size()) + len;
    if (total > UINT32_MAX / 2) return {CallResult::Kind::TooLarge, 0, "message too large"};
    Value size_arg = Value::i32(static_cast<int32_t>(total));
    CallResult r = call(alloc_fn_, &size_arg, 1);
    if (!r.ok()) return r;
    uint32_t ptr = static_cast<uint32_t>(r.code);
    if (ptr == 0) return {CallResult::Kind::TooLarge, 0, "message larger than the module's inbox"};
    engine::MemoryView mem(instance_->memory());
    if (!mem.write(ptr, port.data(), port.size()) || !mem.write(ptr + port.size(), payload, len)) {
      return {CallResult::Kind::HandlerError, -1, "ctm_alloc returned memory outside the module"};
    }
    Value args[4] = {Value::i32(static_cast<int32_t>(ptr)),
                     Value::i32(static_cast<int32_t>(port.size())),
                     Value::i32(static_cast<int32_t>(ptr + port.size())),
                     Value::i32(static_cast<int32_t>(len))};
    return call(on_message_, args, 4);
  }

  CallResult on_tick(int64_t now_us) override {
    Value arg = Value::i64(now_us);
    return call(on_tick_, &arg, 1);
  }

  uint64_t fuel_consumed() const override { return exec_->fuel_consumed(); }

 private:
  CallResult call(engine::FuncInstance* f, const Value* args, size_t n) {
    exec_->set_fuel(limits_.fuel_per_call);
    Outcome o = exec_->call(f, args, n);
    if (o.status == Outcome::Status::OutOfFuel) {
      exec_->abandon();
      return {CallResult::Kind::OutOfFuel, 0, "out of fuel"};
    }
    if (o.status == Outcome::Status::Trapped) {
      char buf[256];
      engine::format_trap(o.trap, buf, sizeof buf);
      return {CallResult::Kind::Trapped, 0, buf};
    }
    int32_t code = exec_->num_results() == 1 ? exec_->result(0).as_i32() : 0;
    return {CallResult::Kind::Ok, code, ""};
  }

  engine::FuncInstance* find_func(const char* name, std::initializer_list<ValType> params,
                                  std::string* error) {
    engine::ExternVal v = instance_->find_export(name, strlen(name));
    if (v.is_null() || v.kind != engine::ExternKind::Func) {
      *error = std::string("module does not export function ") + name;
      return nullptr;
    }
    auto* f = static_cast<engine::FuncInstance*>(v.ptr);
    engine::Signature sig = engine::func_signature(f);
    bool ok = sig.num_params == params.size() && sig.num_results == 1 &&
              sig.results[0] == ValType::I32;
    size_t i = 0;
    for (ValType t : params) ok = ok && sig.params[i++] == t;
    if (!ok) {
      *error = std::string("export ") + name + " has the wrong type (see docs/host-abi.md)";
      return nullptr;
    }
    return f;
  }

  StageHost& host_;
  RuntimeLimits limits_;
  // Declared in construction order; destroyed in reverse (execution, linker
  // and store before the module and the allocator they use).
  engine::BoundedAllocator alloc_;
  engine::Box<engine::Module> module_;
  std::unique_ptr<engine::Store> store_;
  std::unique_ptr<engine::Linker> linker_;
  engine::Box<engine::Execution> exec_;
  engine::Instance* instance_ = nullptr;
  engine::FuncInstance* alloc_fn_ = nullptr;
  engine::FuncInstance* init_ = nullptr;
  engine::FuncInstance* on_message_ = nullptr;
  engine::FuncInstance* on_tick_ = nullptr;
};

bool WasmStageModule::load(const uint8_t* bytes, size_t size, std::string* error) {
  auto decoded = engine::decode_module(alloc_, bytes, size);
  if (!decoded.ok()) {
    *error = describe(decoded.error());
    return false;
  }
  module_ = decoded.take();
  engine::EngineConfig config;
  config.max_memory_bytes = limits_.memory_bytes;
  store_ = std::make_unique<engine::Store>(alloc_, config);
  linker_ = std::make_unique<engine::Linker>(alloc_);
  auto defined = define_wasm_imports(*store_, *linker_, host_);
  if (!defined.ok()) {
    *error = describe(defined.error());
    return false;
  }
  auto created = engine::create_execution(*store_);
  if (!created.ok()) {
    *error = describe(created.error());
    return false;
  }
  exec_ = created.take();
  Outcome outcome;
  auto inst = engine::instantiate(*store_, *module_, *linker_, *exec_, &outcome);
  if (!inst.ok()) {
    *error = describe(inst.error());
    return false;
  }
  if (!outcome.ok()) {
    *error = "the module's start function did not finish";
    return false;
  }
  instance_ = inst.value();
  if (instance_->memory() == nullptr) {
    *error = "module has no memory";
    return false;
  }
  alloc_fn_ = find_func("ctm_alloc", {ValType::I32}, error);
  init_ = alloc_fn_ ? find_func("ctm_init", {}, error) : nullptr;
  on_message_ = init_ ? find_func("ctm_on_message",
                                  {ValType::I32, ValType::I32, ValType::I32, ValType::I32}, error)
                      : nullptr;
  on_tick_ = on_message_ ? find_func("ctm_on_tick", {ValType::I64}, error) : nullptr;
  if (on_tick_ == nullptr) return false;
  // Reactors with C constructors export _initialize, to be run once first.
  engine::ExternVal ctor = instance_->find_export("_initialize", 11);
  if (!ctor.is_null() && ctor.kind == engine::ExternKind::Func) {
    CallResult r = call(static_cast<engine::FuncInstance*>(ctor.ptr), nullptr, 0);
    if (r.kind != CallResult::Kind::Ok) {
      *error = "_initialize failed: " + r.detail;
      return false;
    }
  }
  return true;
}

}  // namespace

std::unique_ptr<StageModule> load_wasm_module(const uint8_t* bytes, size_t size, StageHost& host,
                                              const RuntimeLimits& limits, std::string* error) {
  auto m = std::make_unique<WasmStageModule>(host, limits);
  if (!m->load(bytes, size, error)) return nullptr;
  return m;
}

}  // namespace continuum::host
