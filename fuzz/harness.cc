#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>
#include <vector>

#include "continuum/engine/port.h"
#include "continuum/engine/runtime.h"

namespace fuzz {

namespace {

constexpr uint64_t kFuelPerCall = 100000;

ce::EngineConfig fuzz_config() {
  ce::EngineConfig config;
  config.value_stack_slots = 8 * 1024;  // 64 KiB: plenty for fuzzed code, cheap per input
  // Deep enough to reach "call stack exhausted", shallow enough for the
  // native stack under AddressSanitizer if the interpreter recurses.
  config.max_call_depth = 1000;
  config.max_memory_bytes = 256 * ce::kPageSize;
  config.max_table_elements = 100000;
  return config;
}

// Every imported function: returns zeros of its result types. `user` is the
// function's FuncType in the module being instantiated.
ce::HostResult zero_results(ce::HostCall& call, const uint64_t*, uint64_t* results) {
  const auto* type = static_cast<const ce::FuncType*>(call.user);
  for (size_t i = 0; i < type->results.size(); ++i) results[i] = 0;
  return ce::HostResult::ok();
}

// Creates a store object matching one import and defines it in the linker.
// Returns false when the store refuses (a limit beyond the config, say);
// instantiation then fails with an unknown import, which is fine.
bool define_dummy(ce::Store& store, ce::Linker& linker, const ce::Module& m, const ce::Import& imp) {
  std::string module_name(m.name_ptr(imp.module), imp.module.size);
  std::string name(m.name_ptr(imp.name), imp.name.size);
  ce::ExternVal value;
  switch (imp.kind) {
    case ce::ExternKind::Func: {
      const ce::FuncType& type = m.types[imp.func_type];
      ce::Signature sig{type.params.data(), static_cast<uint32_t>(type.params.size()),
                        type.results.data(), static_cast<uint32_t>(type.results.size())};
      auto f = store.create_host_function(sig, zero_results, const_cast<ce::FuncType*>(&type),
                                          "fuzz_dummy");
      if (!f.ok()) return false;
      value = ce::ExternVal::func(f.value());
      break;
    }
    case ce::ExternKind::Table: {
      auto t = store.create_table(imp.table, 0);
      if (!t.ok()) return false;
      value = ce::ExternVal::table(t.value());
      break;
    }
    case ce::ExternKind::Memory: {
      auto mem = store.create_memory(imp.memory);
      if (!mem.ok()) return false;
      value = ce::ExternVal::memory(mem.value());
      break;
    }
    case ce::ExternKind::Global: {
      auto g = store.create_global(imp.global, ce::Value{imp.global.type, 0});
      if (!g.ok()) return false;
      value = ce::ExternVal::global(g.value());
      break;
    }
  }
  // Names with NUL bytes cannot be spelled through define(); such imports
  // stay unresolved.
  return linker.define(module_name.c_str(), name.c_str(), value).ok();
}

void call_every_export(ce::Instance& instance, ce::Execution& exec, const ce::Module& m) {
  std::vector<ce::Value> args;
  for (const ce::Export& ex : m.exports) {
    if (ex.kind != ce::ExternKind::Func) continue;
    ce::ExternVal fn = instance.find_export(m.name_ptr(ex.name), ex.name.size);
    if (fn.is_null() || fn.kind != ce::ExternKind::Func) fail("an exported function was not found");
    const ce::FuncType& type = m.func_type(ex.index);
    args.clear();
    for (ce::ValType t : type.params) args.push_back(ce::Value{t, 0});
    exec.set_fuel(kFuelPerCall);
    ce::Outcome outcome = exec.call(static_cast<ce::FuncInstance*>(fn.ptr), args.data(), args.size());
    if (outcome.status == ce::Outcome::Status::OutOfFuel) {
      // A suspended run must continue where it stopped; give it one more
      // budget, then give up on it.
      if (!exec.suspended()) fail("out of fuel but not suspended");
      exec.set_fuel(kFuelPerCall);
      outcome = exec.resume();
    }
    if (outcome.status == ce::Outcome::Status::OutOfFuel) {
      exec.abandon();
      if (exec.suspended()) fail("still suspended after abandon()");
    } else if (outcome.ok()) {
      if (exec.num_results() != type.results.size()) fail("wrong number of results");
      for (size_t i = 0; i < exec.num_results(); ++i)
        if (exec.result(i).type != type.results[i]) fail("result of the wrong type");
    } else {
      char text[256];
      ce::format_trap(outcome.trap, text, sizeof text);
    }
  }
}

}  // namespace

void run_module(ce::Allocator& budget, const ce::Module& m) {
  ce::Store store(budget, fuzz_config());
  ce::Linker linker(budget);
  for (const ce::Import& imp : m.imports) define_dummy(store, linker, m, imp);
  auto exec = ce::create_execution(store);
  if (!exec.ok()) return;
  exec.value()->set_fuel(kFuelPerCall);
  ce::Outcome start;
  auto instance = ce::instantiate(store, m, linker, *exec.value(), &start);
  if (!instance.ok()) {
    char text[256];
    ce::format_error(instance.error(), text, sizeof text);
    return;
  }
  if (start.status == ce::Outcome::Status::OutOfFuel) exec.value()->abandon();
  call_every_export(*instance.value(), *exec.value(), m);
}

void fail(const char* what) {
  fprintf(stderr, "fuzz: %s\n", what);
  abort();
}

}  // namespace fuzz
