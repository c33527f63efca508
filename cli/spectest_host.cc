#include "spectest_host.h"

#include <stdio.h>

#include "load.h"
#include "values.h"

namespace continuum::cli {

using engine::ExternVal;
using engine::GlobalType;
using engine::HostCall;
using engine::HostResult;
using engine::Signature;
using engine::ValType;
using engine::Value;

namespace {

struct PrintFunction {
  const char* name;
  Signature signature;
};

constexpr ValType kI32[] = {ValType::I32};
constexpr ValType kI64[] = {ValType::I64};
constexpr ValType kF32[] = {ValType::F32};
constexpr ValType kF64[] = {ValType::F64};
constexpr ValType kI32F32[] = {ValType::I32, ValType::F32};
constexpr ValType kF64F64[] = {ValType::F64, ValType::F64};

const PrintFunction kPrintFunctions[] = {
    {"print", {nullptr, 0, nullptr, 0}},
    {"print_i32", {kI32, 1, nullptr, 0}},
    {"print_i64", {kI64, 1, nullptr, 0}},
    {"print_f32", {kF32, 1, nullptr, 0}},
    {"print_f64", {kF64, 1, nullptr, 0}},
    {"print_i32_f32", {kI32F32, 2, nullptr, 0}},
    {"print_f64_f64", {kF64F64, 2, nullptr, 0}},
};

HostResult print_silently(HostCall&, const uint64_t*, uint64_t*) { return HostResult::ok(); }

// user = the PrintFunction, so one host function serves every signature.
HostResult print_to_stdout(HostCall& call, const uint64_t* args, uint64_t*) {
  const auto* fn = static_cast<const PrintFunction*>(call.user);
  for (uint32_t i = 0; i < fn->signature.num_params; ++i) {
    Value v{fn->signature.params[i], args[i]};
    std::string text = format_value(v);  // "i32:13" -> "13 : i32"
    size_t colon = text.find(':');
    printf("%s : %s\n", text.c_str() + colon + 1, text.substr(0, colon).c_str());
  }
  return HostResult::ok();
}

bool check(const engine::Result<void>& r, const char* what, std::string* error) {
  if (r.ok()) return true;
  *error = std::string("spectest module: ") + what + ": " + describe_error(r.error());
  return false;
}

template <class T>
bool check_created(engine::Result<T*>& r, const char* what, std::string* error) {
  if (r.ok()) return true;
  *error = std::string("spectest module: cannot create ") + what + ": " +
           describe_error(r.error());
  return false;
}

}  // namespace

bool define_spectest_module(engine::Store& store, engine::Linker& linker, bool echo,
                            std::string* error) {
  for (const PrintFunction& fn : kPrintFunctions) {
    auto created = store.create_host_function(fn.signature, echo ? print_to_stdout : print_silently,
                                              const_cast<PrintFunction*>(&fn), fn.name);
    if (!check_created(created, fn.name, error)) return false;
    if (!check(linker.define("spectest", fn.name, ExternVal::func(created.value())), fn.name, error))
      return false;
  }

  struct GlobalSpec {
    const char* name;
    Value value;
  };
  const GlobalSpec globals[] = {
      {"global_i32", Value::i32(666)},
      {"global_i64", Value::i64(666)},
      {"global_f32", Value::f32(666.6f)},
      {"global_f64", Value::f64(666.6)},
  };
  for (const GlobalSpec& g : globals) {
    auto created = store.create_global(GlobalType{g.value.type, false}, g.value);
    if (!check_created(created, g.name, error)) return false;
    if (!check(linker.define("spectest", g.name, ExternVal::global(created.value())), g.name, error))
      return false;
  }

  engine::TableType table_type;
  table_type.elem = ValType::FuncRef;
  table_type.limits = {10, 20, true};
  auto table = store.create_table(table_type, 0);
  if (!check_created(table, "table", error)) return false;
  if (!check(linker.define("spectest", "table", ExternVal::table(table.value())), "table", error))
    return false;

  engine::MemoryType memory_type;
  memory_type.limits = {1, 2, true};
  auto memory = store.create_memory(memory_type);
  if (!check_created(memory, "memory", error)) return false;
  return check(linker.define("spectest", "memory", ExternVal::memory(memory.value())), "memory",
               error);
}

}  // namespace continuum::cli
