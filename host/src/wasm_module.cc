// A stage module running on the engine: instantiation against the table's
// imports, the export checks, and deliveries with a fuel budget per call.
#include <string.h>

#include <memory>

#include "bindings.h"
#include "continuum/engine/port.h"
#include "continuum/engine/runtime.h"
#include "continuum/engine/snapshot.h"
#include "continuum/host/abi.h"
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

// The wasm type of every export, from the CTM_EXPORT entries of the table.
#define CTM_EXPORT_VALTYPE(T, p, i) ValType::CTM_ABI_WASM(T)
struct ExportType {
  uint32_t num_params;
  ValType params[6];
  ValType result;
};
const ExportType kExportTypes[kNumExports] = {
#define CTM_EXPORT(name, result, required, n, params, doc) \
  {n, {CTM_ABI_EACH(n, CTM_EXPORT_VALTYPE, params)}, ValType::CTM_ABI_WASM(result)},
#include "continuum_abi.def"
#undef CTM_EXPORT
};
#undef CTM_EXPORT_VALTYPE

class WasmStageModule final : public StageModule {
 public:
  WasmStageModule(StageHost& host, const RuntimeLimits& limits)
      : host_(host),
        limits_(limits),
        alloc_(engine::port::system_allocator(), limits.memory_bytes) {}

  bool load(const uint8_t* bytes, size_t size, std::string* error);

  CallResult init() override { return call(fn(ExportId::init), nullptr, 0); }

  CallResult on_message(std::string_view port, const uint8_t* payload, uint32_t len) override {
    uint64_t total = uint64_t(port.size()) + len;
    if (total > UINT32_MAX / 2) return {CallResult::Kind::TooLarge, 0, "message too large"};
    Value size_arg = Value::i32(static_cast<int32_t>(total));
    CallResult r = call(fn(ExportId::alloc), &size_arg, 1);
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
    return call(fn(ExportId::on_message), args, 4);
  }

  CallResult on_tick(int64_t now_us) override {
    Value arg = Value::i64(now_us);
    return call(fn(ExportId::on_tick), &arg, 1);
  }

  uint64_t fuel_consumed() const override { return fuel_before_ + exec_->fuel_consumed(); }

  bool has_state_save() const override { return fn(ExportId::state_save) != nullptr; }
  bool has_state_load() const override { return fn(ExportId::state_load) != nullptr; }
  CallResult save_state(std::vector<uint8_t>* out) override;
  CallResult load_state(const uint8_t* state, uint32_t len) override;

  bool write_instance_snapshot(engine::SnapshotSink& out, std::string* error) override {
    auto written = engine::write_snapshot(*instance_, *exec_, out);
    if (!written.ok()) *error = describe(written.error());
    return written.ok();
  }
  bool restore_instance_snapshot(engine::SnapshotSource& in, std::string* error) override {
    if (!instantiate(/*run_start=*/false, error)) return false;
    auto restored = engine::restore_snapshot(*instance_, *exec_, in);
    if (!restored.ok()) *error = describe(restored.error());
    return restored.ok();
  }

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

  engine::FuncInstance* fn(ExportId id) const { return exports_[static_cast<int>(id)]; }

  // Finds every export of the table, checking its type; a required one
  // missing, or any one of the wrong type, refuses the module.
  bool bind_exports(std::string* error) {
    for (int i = 0; i < kNumExports; ++i) {
      const ExportInfo& info = export_info(static_cast<ExportId>(i));
      exports_[i] = nullptr;
      engine::ExternVal v = instance_->find_export(info.name, strlen(info.name));
      if (v.is_null() || v.kind != engine::ExternKind::Func) {
        if (!info.required) continue;
        *error = std::string("module does not export function ") + info.name;
        return false;
      }
      auto* f = static_cast<engine::FuncInstance*>(v.ptr);
      engine::Signature sig = engine::func_signature(f);
      const ExportType& want = kExportTypes[i];
      bool ok = sig.num_params == want.num_params && sig.num_results == 1 &&
                sig.results[0] == want.result;
      for (uint32_t k = 0; ok && k < want.num_params; ++k) ok = sig.params[k] == want.params[k];
      if (!ok) {
        *error = std::string("export ") + info.name + " has the wrong type (see docs/host-abi.md)";
        return false;
      }
      exports_[i] = f;
    }
    return true;
  }

  bool instantiate(bool run_start, std::string* error);

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
  engine::FuncInstance* exports_[kNumExports] = {};
  uint64_t fuel_before_ = 0;  // spent by executions replaced on restore
};

bool WasmStageModule::load(const uint8_t* bytes, size_t size, std::string* error) {
  auto decoded = engine::decode_module(alloc_, bytes, size);
  if (!decoded.ok()) {
    *error = describe(decoded.error());
    return false;
  }
  module_ = decoded.take();
  if (!instantiate(/*run_start=*/true, error)) return false;
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

// A new store, linker, execution and instance of the decoded module; the old
// ones (if any) are freed first, so a restore does not need the memory twice.
bool WasmStageModule::instantiate(bool run_start, std::string* error) {
  if (exec_) fuel_before_ += exec_->fuel_consumed();
  instance_ = nullptr;
  exec_ = engine::Box<engine::Execution>();
  linker_.reset();
  store_.reset();
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
  engine::InstantiateOptions options;
  options.run_start = run_start;
  auto inst = engine::instantiate(*store_, *module_, *linker_, *exec_, &outcome,
                                  engine::Tier::Interpreter, options);
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
  return bind_exports(error);
}

// The two-call protocol of docs/host-abi.md: ctm_state_save(0, 0) gives the
// length N, ctm_alloc(N) a buffer, ctm_state_save(buf, N) fills it.
CallResult WasmStageModule::save_state(std::vector<uint8_t>* out) {
  Value query[2] = {Value::i32(0), Value::i32(0)};
  CallResult r = call(fn(ExportId::state_save), query, 2);
  if (!r.ok() || r.code < 0) return r;
  int32_t n = r.code;
  Value size_arg = Value::i32(n);
  r = call(fn(ExportId::alloc), &size_arg, 1);
  if (!r.ok()) return r;
  uint32_t ptr = static_cast<uint32_t>(r.code);
  if (ptr == 0) return {CallResult::Kind::TooLarge, 0, "saved state larger than the module's inbox"};
  Value fill[2] = {Value::i32(static_cast<int32_t>(ptr)), Value::i32(n)};
  r = call(fn(ExportId::state_save), fill, 2);
  if (!r.ok() || r.code < 0) return r;
  if (r.code != n)
    return {CallResult::Kind::HandlerError, r.code, "ctm_state_save changed its length between calls"};
  const uint8_t* bytes = engine::MemoryView(instance_->memory()).span(ptr, static_cast<uint32_t>(n));
  if (bytes == nullptr)
    return {CallResult::Kind::HandlerError, -1, "ctm_alloc returned memory outside the module"};
  out->assign(bytes, bytes + n);
  return {CallResult::Kind::Ok, 0, ""};
}

CallResult WasmStageModule::load_state(const uint8_t* state, uint32_t len) {
  if (len > INT32_MAX) return {CallResult::Kind::TooLarge, 0, "state too large"};
  Value size_arg = Value::i32(static_cast<int32_t>(len));
  CallResult r = call(fn(ExportId::alloc), &size_arg, 1);
  if (!r.ok()) return r;
  uint32_t ptr = static_cast<uint32_t>(r.code);
  if (ptr == 0) return {CallResult::Kind::TooLarge, 0, "state larger than the module's inbox"};
  if (!engine::MemoryView(instance_->memory()).write(ptr, state, len))
    return {CallResult::Kind::HandlerError, -1, "ctm_alloc returned memory outside the module"};
  Value args[2] = {Value::i32(static_cast<int32_t>(ptr)), Value::i32(static_cast<int32_t>(len))};
  return call(fn(ExportId::state_load), args, 2);
}

}  // namespace

std::unique_ptr<StageModule> load_wasm_module(const uint8_t* bytes, size_t size, StageHost& host,
                                              const RuntimeLimits& limits, std::string* error) {
  auto m = std::make_unique<WasmStageModule>(host, limits);
  if (!m->load(bytes, size, error)) return nullptr;
  return m;
}

}  // namespace continuum::host
