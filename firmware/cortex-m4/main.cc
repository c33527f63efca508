// The Cortex-M4 firmware: the engine on a microcontroller budget. It decodes
// the embedded guest module (guest.wat), instantiates it with two host
// functions, calls its exports, checks every answer, reports how much RAM the
// engine needed, and exits through semihosting with 0 (all correct) or 1.
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "continuum/engine/module.h"
#include "continuum/engine/port.h"
#include "continuum/engine/runtime.h"
#include "arena_check.h"
#include "runtime_support.h"
#include "semihosting.h"

extern const unsigned char kGuestWasm[];
extern const unsigned kGuestWasm_size;

namespace {

namespace ce = continuum::engine;
using firmware::print;

// What a mid-range microcontroller can give the engine. The guest's one
// 64 KiB page of linear memory is most of it.
constexpr size_t kEngineRamBudget = 96 * 1024;
constexpr double kHalfPi = 1.57079632679489661923;

ce::EngineConfig small_config() {
  ce::EngineConfig config;
  config.value_stack_slots = 2048;  // 16 KiB
  config.max_call_depth = 200;
  config.max_memory_bytes = 1 * ce::kPageSize;
  config.max_table_elements = 64;
  return config;
}

// ---- host functions the guest imports as env.sin / env.cos

double f64_from_bits(uint64_t bits) {
  double d;
  memcpy(&d, &bits, sizeof d);
  return d;
}
uint64_t bits_from_f64(double d) {
  uint64_t bits;
  memcpy(&bits, &d, sizeof bits);
  return bits;
}
ce::HostResult host_sin(ce::HostCall&, const uint64_t* args, uint64_t* results) {
  results[0] = bits_from_f64(sin(f64_from_bits(args[0])));
  return ce::HostResult::ok();
}
ce::HostResult host_cos(ce::HostCall&, const uint64_t* args, uint64_t* results) {
  results[0] = bits_from_f64(cos(f64_from_bits(args[0])));
  return ce::HostResult::ok();
}

void print_error(const char* what, const ce::Error& error) {
  char text[160];
  ce::format_error(error, text, sizeof text);
  print(what);
  print(": ");
  print(text);
  print("\n");
}

void print_outcome(const ce::Outcome& outcome) {
  if (outcome.status == ce::Outcome::Status::OutOfFuel) {
    print("out of fuel");
    return;
  }
  if (outcome.status == ce::Outcome::Status::Trapped) {
    char text[120];
    ce::format_trap(outcome.trap, text, sizeof text);
    print("trap: ");
    print(text);
    return;
  }
  print("ok");
}

// Counts failed checks; every check prints one line.
struct Checker {
  int failures = 0;

  void expect(bool ok, const char* label) {
    print(ok ? "  ok    " : "  FAIL  ");
    print(label);
    print("\n");
    if (!ok) ++failures;
  }
};

class Guest {
 public:
  Guest(ce::Instance& instance, ce::Execution& exec) : instance_(instance), exec_(exec) {}

  // Calls an export and returns its outcome; the result is in result().
  ce::Outcome call(const char* name, const ce::Value* args, size_t num_args) {
    ce::ExternVal fn = instance_.find_export(name, strlen(name));
    if (fn.is_null() || fn.kind != ce::ExternKind::Func) {
      print("missing export: ");
      print(name);
      print("\n");
      ce::Outcome missing;
      missing.status = ce::Outcome::Status::Trapped;
      return missing;
    }
    return exec_.call(static_cast<ce::FuncInstance*>(fn.ptr), args, num_args);
  }
  ce::Value result() const { return exec_.num_results() == 1 ? exec_.result(0) : ce::Value{}; }
  ce::Execution& exec() { return exec_; }

 private:
  ce::Instance& instance_;
  ce::Execution& exec_;
};

void run_checks(Guest& guest, Checker& check) {
  ce::Value crc_args[] = {ce::Value::i32(16), ce::Value::i32(9)};  // "123456789" at 16
  ce::Outcome o = guest.call("crc32", crc_args, 2);
  print("crc32(\"123456789\") = ");
  firmware::print_hex(static_cast<uint32_t>(guest.result().as_i32()));
  print("\n");
  check.expect(o.ok() && static_cast<uint32_t>(guest.result().as_i32()) == 0xCBF43926u,
               "crc32 matches the IEEE check value 0xcbf43926");

  ce::Value fib_arg[] = {ce::Value::i32(20)};
  uint64_t started = ce::port::monotonic_ns();
  o = guest.call("fib", fib_arg, 1);
  uint64_t elapsed_us = (ce::port::monotonic_ns() - started) / 1000;
  print("fib(20) = ");
  firmware::print_unsigned(static_cast<uint32_t>(guest.result().as_i32()));
  print(" in ");
  firmware::print_unsigned(elapsed_us);
  print(" us (21891 calls)\n");
  check.expect(o.ok() && guest.result().as_i32() == 6765, "fib(20) == 6765");

  ce::Value sum_arg[] = {ce::Value::i64(150)};
  o = guest.call("sum_to", sum_arg, 1);
  check.expect(o.ok() && guest.result().as_i64() == 11325, "sum_to(150) == 11325 (150 nested calls)");

  // Deeper than max_call_depth: the engine must trap, not overrun the stack.
  ce::Value deep_arg[] = {ce::Value::i64(100000)};
  o = guest.call("sum_to", deep_arg, 1);
  print("sum_to(100000): ");
  print_outcome(o);
  print("\n");
  check.expect(o.status == ce::Outcome::Status::Trapped &&
                   o.trap.kind == ce::TrapKind::CallStackExhausted,
               "sum_to(100000) traps with call stack exhausted");

  ce::Value arm[] = {ce::Value::f64(3.0), ce::Value::f64(4.0), ce::Value::f64(0.0),
                     ce::Value::f64(kHalfPi)};
  o = guest.call("reach", arm, 4);
  double reach = guest.result().as_f64();
  check.expect(o.ok() && fabs(reach - 5.0) < 1e-12,
               "reach(3, 4, 0, pi/2) == 5 (host sin/cos imports)");

  // A fuel budget stops a long computation cleanly, which is how a firmware
  // main loop would share the CPU with its other duties.
  ce::Value long_arg[] = {ce::Value::i32(40)};
  guest.exec().set_fuel(10000);
  o = guest.call("fib", long_arg, 1);
  check.expect(o.status == ce::Outcome::Status::OutOfFuel, "fib(40) with 10000 fuel runs out of fuel");
  guest.exec().abandon();
  guest.exec().set_fuel(ce::Execution::kUnlimitedFuel);
  o = guest.call("fib", fib_arg, 1);
  check.expect(o.ok() && guest.result().as_i32() == 6765, "the execution is usable after abandon()");
}

int run() {
  print("continuum engine firmware: cortex-m4 (mps2-an386)\n");
  Checker check;
  // The port's heap first: whatever the engine does later relies on it.
  ce::Allocator& heap = ce::port::system_allocator();
  const size_t whole_arena = firmware::largest_block(heap);
  check.expect(firmware::arena_workout(heap), "port heap: randomised allocate/reallocate/free workout");
  check.expect(firmware::largest_block(heap) == whole_arena,
               "port heap: the arena is one free block again after the workout");

  ce::BoundedAllocator budget(heap, kEngineRamBudget);

  auto decoded = ce::decode_module(budget, kGuestWasm, kGuestWasm_size);
  if (!decoded.ok()) {
    print_error("decode failed", decoded.error());
    return 1;
  }
  ce::Box<ce::Module> module = decoded.take();
  print("decoded guest: ");
  firmware::print_unsigned(kGuestWasm_size);
  print(" bytes, ");
  firmware::print_unsigned(module->num_funcs());
  print(" functions\n");

  {
    ce::Store store(budget, small_config());
    ce::Linker linker(budget);
    static const ce::ValType kF64[] = {ce::ValType::F64};
    const ce::Signature unary_f64{kF64, 1, kF64, 1};
    auto sin_fn = store.create_host_function(unary_f64, host_sin, nullptr, "sin");
    auto cos_fn = store.create_host_function(unary_f64, host_cos, nullptr, "cos");
    if (!sin_fn.ok() || !cos_fn.ok() ||
        !linker.define("env", "sin", ce::ExternVal::func(sin_fn.value())).ok() ||
        !linker.define("env", "cos", ce::ExternVal::func(cos_fn.value())).ok()) {
      print("could not define the host functions\n");
      return 1;
    }
    auto exec = ce::create_execution(store);
    if (!exec.ok()) {
      print_error("create_execution failed", exec.error());
      return 1;
    }
    // The checks below run unmetered, except the one that tests the budget.
    exec.value()->set_fuel(ce::Execution::kUnlimitedFuel);
    ce::Outcome start;
    auto instance = ce::instantiate(store, *module, linker, *exec.value(), &start);
    if (!instance.ok()) {
      print_error("instantiate failed", instance.error());
      return 1;
    }
    check.expect(start.ok(), "instantiated (data segment applied)");

    Guest guest(*instance.value(), *exec.value());
    run_checks(guest, check);

    print("engine RAM: peak ");
    firmware::print_unsigned(budget.peak());
    print(" bytes of a ");
    firmware::print_unsigned(budget.limit());
    print(" byte budget (value stack ");
    firmware::print_unsigned(small_config().value_stack_slots * 8u);
    print(" bytes, linear memory ");
    firmware::print_unsigned(ce::memory_pages(instance.value()->memory()) * uint64_t(ce::kPageSize));
    print(" bytes)\n");
  }
  module.reset();
  if (budget.used() != 0) {
    print("still allocated: ");
    firmware::print_unsigned(budget.used());
    print(" bytes\n");
  }
  check.expect(budget.used() == 0, "every engine allocation was returned");
  check.expect(firmware::largest_block(heap) == whole_arena,
               "port heap: the arena is one free block again after the engine");

  print("native stack: ");
  firmware::print_unsigned(firmware::stack_high_water_bytes());
  print(" of ");
  firmware::print_unsigned(firmware::stack_reserved_bytes());
  print(" bytes used\n");

  print(check.failures == 0 ? "FIRMWARE PASS\n" : "FIRMWARE FAIL\n");
  return check.failures == 0 ? 0 : 1;
}

}  // namespace

int main() { return run(); }
