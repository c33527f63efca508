// The interpreter's Execution: owns the value stack and the frame stack, sets
// up calls from the embedder, keeps a run that ran out of fuel suspended until
// it is resumed or abandoned, and accounts for fuel.
//
// Re-entrancy: a host function may call back into wasm through the same
// Execution. The nested call runs on the stack above the host call's slots
// and the frames above the caller's, in a nested run of the loop. If the
// nested call runs out of fuel it cannot be suspended (the host function's C
// frame is in the way), so it ends with a Host trap "out of fuel in a
// re-entrant call".
#include <string.h>

#include "continuum/engine/runtime.h"
#include "interp/code.h"
#include "interp/interpreter.h"
#include "runtime/instance.h"

namespace continuum::engine {
namespace interp {
namespace {

Outcome host_trap(const char* message) {
  Outcome o;
  o.status = Outcome::Status::Trapped;
  o.trap.kind = TrapKind::Host;
  o.trap.message = message;
  return o;
}

class InterpExecution final : public Execution {
 public:
  explicit InterpExecution(Store& store)
      : store_(&store), stack_(&store.allocator()), frames_(&store.allocator()),
        results_(&store.allocator()) {}

  Result<void> init() {
    const EngineConfig& cfg = store_->config();
    if (!stack_.resize(cfg.value_stack_slots) || !frames_.resize(cfg.max_call_depth + 1) ||
        !results_.reserve(8))
      return Error::at("out of memory", kNoIndex);
    halt_code_[0] = opcode_word(IOp::Halt);
    state_.frames = frames_.data();
    state_.max_depth = cfg.max_call_depth;
    state_.stack_end = stack_.data() + stack_.size();
    state_.store = store_;
    state_.fuel = kUnlimitedFuel;
    return Ok();
  }

  Outcome call(FuncInstance* f, const Value* args, size_t num_args) override;
  Outcome resume() override;
  void abandon() override {
    suspended_ = false;
    state_.depth = 0;
  }
  bool suspended() const override { return suspended_; }
  size_t num_results() const override { return results_.size(); }
  Value result(size_t i) const override { return results_[i]; }
  void set_fuel(uint64_t fuel) override {
    state_.fuel = fuel;
    unlimited_ = fuel == kUnlimitedFuel;
  }
  uint64_t fuel() const override { return state_.fuel; }
  uint64_t fuel_consumed() const override { return consumed_; }

 private:
  Outcome run_and_finish(uint64_t* base, bool nested);
  void collect_results(const FuncInstance* f, const uint64_t* slots);

  Store* store_;
  Vec<uint64_t> stack_;
  Vec<Frame> frames_;
  Vec<Value> results_;
  RunState state_;
  uint32_t halt_code_[1] = {0};
  FuncInstance* entry_ = nullptr;  // the function the current call started with
  uint64_t* entry_base_ = nullptr;
  bool suspended_ = false;
  bool running_ = false;
  bool unlimited_ = true;
  uint64_t consumed_ = 0;
};

void InterpExecution::collect_results(const FuncInstance* f, const uint64_t* slots) {
  results_.clear();
  const Vec<ValType>& types = f->type->results;
  for (size_t i = 0; i < types.size(); ++i) {
    uint64_t bits = slots[i];
    if (types[i] == ValType::I32 || types[i] == ValType::F32) bits = static_cast<uint32_t>(bits);
    if (!results_.push_back(Value{types[i], bits})) break;  // reserve() makes this rare
  }
}

Outcome InterpExecution::call(FuncInstance* f, const Value* args, size_t num_args) {
  if (suspended_ && !running_) return host_trap("execution is suspended: resume() or abandon() it first");
  if (f == nullptr) return host_trap("call of a null function");
  const Vec<ValType>& params = f->type->params;
  if (num_args != params.size()) return host_trap("wrong number of arguments");
  for (size_t i = 0; i < num_args; ++i)
    if (args[i].type != params[i]) return host_trap("argument type mismatch");

  bool nested = running_;
  uint64_t* base = nested ? state_.reentry_sp : stack_.data();
  uint32_t base_depth = nested ? state_.depth : 0;
  uint64_t* end = stack_.data() + stack_.size();
  size_t nr = f->type->results.size();
  size_t room = num_args > nr ? num_args : nr;
  if (base + room > end) {
    Outcome o;
    o.status = Outcome::Status::Trapped;
    o.trap.kind = TrapKind::CallStackExhausted;
    return o;
  }
  for (size_t i = 0; i < num_args; ++i) base[i] = args[i].bits;

  if (f->host != nullptr) {
    HostCall hc;
    hc.store = store_;
    hc.user = f->user;
    HostResult hr = f->host(hc, base, base);
    if (hr.kind != TrapKind::None) {
      Outcome o;
      o.status = Outcome::Status::Trapped;
      o.trap.kind = hr.kind;
      o.trap.message = hr.message;
      o.trap.exit_code = hr.exit_code;
      return o;
    }
    collect_results(f, base);
    return Outcome::success();
  }

  const CompiledFunc* c = f->code;
  if (base_depth + 1 >= state_.max_depth || base + c->max_slots > end) {
    Outcome o;
    o.status = Outcome::Status::Trapped;
    o.trap.kind = TrapKind::CallStackExhausted;
    return o;
  }
  RunState saved = state_;
  uint32_t zeroed = c->num_locals - c->num_params;
  if (zeroed) memset(base + c->num_params, 0, zeroed * sizeof(uint64_t));
  // The entry frame returns into a Halt instruction.
  frames_[base_depth] = Frame{halt_code_, base, f};
  state_.ip = c->code.data();
  state_.fp = base;
  state_.func = f;
  state_.depth = base_depth + 1;
  if (!nested) {
    entry_ = f;
    entry_base_ = base;
  }
  Outcome o = run_and_finish(base, nested);
  if (nested) {
    uint64_t fuel = state_.fuel;
    state_ = saved;
    state_.fuel = fuel;
    if (o.ok()) collect_results(f, base);
  }
  return o;
}

Outcome InterpExecution::resume() {
  if (!suspended_ || running_) return host_trap("nothing to resume");
  suspended_ = false;
  return run_and_finish(entry_base_, false);
}

Outcome InterpExecution::run_and_finish(uint64_t* base, bool nested) {
  uint64_t fuel_before = state_.fuel;
  bool was_running = running_;
  running_ = true;
  RunExit exit = run(state_);
  running_ = was_running;
  // A nested run's fuel is part of the outer run's difference already.
  if (!nested) consumed_ += fuel_before - state_.fuel;
  if (unlimited_) state_.fuel = kUnlimitedFuel;

  Outcome o;
  switch (exit) {
    case RunExit::Halt:
      if (!nested) collect_results(entry_, base);
      return o;
    case RunExit::Trap:
      o.status = Outcome::Status::Trapped;
      o.trap = state_.trap;
      if (!nested) state_.depth = 0;
      return o;
    case RunExit::OutOfFuel:
      if (nested) return host_trap("out of fuel in a re-entrant call");
      suspended_ = true;
      o.status = Outcome::Status::OutOfFuel;
      return o;
  }
  return o;
}

}  // namespace
}  // namespace interp

Result<Box<Execution>> create_execution(Store& store, Tier tier) {
  (void)tier;
  Allocator& a = store.allocator();
  interp::InterpExecution* e = make<interp::InterpExecution>(a, store);
  if (e == nullptr) return Error::at("out of memory", kNoIndex);
  Result<void> r = e->init();
  if (!r.ok()) {
    destroy(a, e);
    return r.error();
  }
  return Box<Execution>(&a, e);
}

}  // namespace continuum::engine
