#include "spectest_script.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <deque>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "continuum/engine/port.h"
#include "continuum/engine/runtime.h"
#include "load.h"
#include "spectest_host.h"
#include "values.h"

namespace continuum::cli {

using engine::Box;
using engine::ExternKind;
using engine::ExternVal;
using engine::Instance;
using engine::Module;
using engine::Outcome;
using engine::Trap;
using engine::ValType;
using engine::Value;
using json = nlohmann::json;

namespace {

struct Verdict {
  enum class Status { Pass, Fail, Skip };
  Status status = Status::Pass;
  std::string why;  // for failures: "expected X, got Y"

  static Verdict pass() { return {}; }
  static Verdict skip() { return {Status::Skip, {}}; }
  static Verdict fail(std::string why) { return {Status::Fail, std::move(why)}; }
};

// What performing an action produced.
struct ActionResult {
  enum class Kind { Values, Trapped, OutOfFuel, Error };
  Kind kind = Kind::Values;
  std::vector<Value> values;
  Trap trap;
  std::string error;  // Kind::Error: why the action could not even be attempted

  std::string describe() const {
    switch (kind) {
      case Kind::Values: {
        std::string text = "(";
        for (size_t i = 0; i < values.size(); ++i)
          text += (i ? ", " : "") + format_value_exact(values[i]);
        return text + ")";
      }
      case Kind::Trapped: return "trap: " + describe_trap(trap);
      case Kind::OutOfFuel: return "out of fuel";
      case Kind::Error: return "error: " + error;
    }
    return "?";
  }
};

ValType type_from_name(const std::string& name) {
  if (name == "i32") return ValType::I32;
  if (name == "i64") return ValType::I64;
  if (name == "f32") return ValType::F32;
  if (name == "f64") return ValType::F64;
  if (name == "funcref") return ValType::FuncRef;
  if (name == "externref") return ValType::ExternRef;
  if (name == "v128") return ValType::V128;
  return ValType::None;
}

// Script integers are the value's bits as an unsigned decimal string.
bool parse_bits(const std::string& text, uint64_t* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  *out = strtoull(text.c_str(), &end, 10);
  return *end == '\0';
}

// externref N in a script is an opaque host value; the engine reserves 0 for
// null, so N is passed as N + 1 (ref.extern 0 must not be null).
uint64_t extern_handle(uint64_t script_number) { return script_number + 1; }

bool parse_script_value(const json& v, Value* out, std::string* error) {
  std::string type_name = v.value("type", "");
  ValType type = type_from_name(type_name);
  std::string text = v.contains("value") && v["value"].is_string() ? v["value"].get<std::string>() : "";
  if (type == ValType::None || type == ValType::V128) {
    *error = "unsupported value type '" + type_name + "'";
    return false;
  }
  if (engine::is_ref_type(type)) {
    if (text == "null") {
      *out = Value::ref(type, 0);
      return true;
    }
    uint64_t n;
    if (type == ValType::ExternRef && parse_bits(text, &n)) {
      *out = Value::ref(type, extern_handle(n));
      return true;
    }
    *error = "cannot pass " + type_name + " '" + text + "'";
    return false;
  }
  uint64_t bits;
  if (!parse_bits(text, &bits)) {
    *error = "bad " + type_name + " literal '" + text + "'";
    return false;
  }
  if (type == ValType::I32 || type == ValType::F32) bits &= 0xFFFFFFFFu;
  *out = Value{type, bits};
  return true;
}

bool is_canonical_nan(const Value& v) {
  if (v.type == ValType::F32) return (v.bits & 0x7FFFFFFFu) == 0x7FC00000u;
  return (v.bits & 0x7FFFFFFFFFFFFFFFull) == 0x7FF8000000000000ull;
}

// An arithmetic NaN has the quiet bit set; any payload beyond that is allowed.
bool is_arithmetic_nan(const Value& v) {
  if (v.type == ValType::F32) return (v.bits & 0x7FC00000u) == 0x7FC00000u;
  return (v.bits & 0x7FF8000000000000ull) == 0x7FF8000000000000ull;
}

bool matches_expected(const json& expected, const Value& got) {
  if (expected.value("type", "") == "either") {
    for (const json& alternative : expected["values"])
      if (matches_expected(alternative, got)) return true;
    return false;
  }
  ValType type = type_from_name(expected.value("type", ""));
  if (type != got.type) return false;
  std::string text = expected.contains("value") ? expected["value"].get<std::string>() : "";
  if (type == ValType::F32 || type == ValType::F64) {
    if (text == "nan:canonical") return is_canonical_nan(got);
    if (text == "nan:arithmetic") return is_arithmetic_nan(got);
  }
  if (engine::is_ref_type(type)) {
    if (text == "null") return got.bits == 0;
    // A non-null funcref cannot be named in a script: any non-null one matches.
    if (type == ValType::FuncRef || text.empty()) return got.bits != 0;
  }
  Value want;
  std::string ignored;
  if (!parse_script_value(expected, &want, &ignored)) return false;
  return want.bits == got.bits;
}

std::string describe_expected(const json& expected) {
  std::string type = expected.value("type", "?");
  if (type == "either") {
    std::string text = "either(";
    bool first = true;
    for (const json& alternative : expected["values"]) {
      text += (first ? "" : " | ") + describe_expected(alternative);
      first = false;
    }
    return text + ")";
  }
  std::string text = expected.contains("value") ? expected["value"].get<std::string>() : "";
  Value v;
  std::string ignored;
  if (text.rfind("nan:", 0) == 0 || !parse_script_value(expected, &v, &ignored))
    return type + ":" + text;
  return format_value_exact(v);
}

std::string describe_expected_list(const json& list) {
  std::string text = "(";
  bool first = true;
  for (const json& e : list) {
    text += (first ? "" : ", ") + describe_expected(e);
    first = false;
  }
  return text + ")";
}

// The spec's trap texts sometimes add detail ("uninitialized element 2"), so
// a trap matches when the expected text begins with the engine's wording.
bool trap_matches(const Trap& trap, const std::string& expected_text) {
  std::string ours = engine::trap_message(trap.kind);
  return expected_text.rfind(ours, 0) == 0;
}

// Everything one script run creates. Members are destroyed in reverse order:
// the execution, then the linker and store (and with it every instance), and
// the modules last, since instances refer to them.
class ScriptRun {
 public:
  ScriptRun(std::string json_path, const ScriptOptions& options)
      : path_(std::move(json_path)),
        options_(options),
        alloc_(engine::port::system_allocator()),
        store_(alloc_, engine::EngineConfig{}),
        linker_(alloc_) {
    size_t slash = path_.rfind('/');
    dir_ = slash == std::string::npos ? "" : path_.substr(0, slash + 1);
  }

  bool setup(std::string* error) {
    auto exec = engine::create_execution(store_);
    if (!exec.ok()) {
      *error = "cannot create an execution: " + describe_error(exec.error());
      return false;
    }
    exec_ = exec.take();
    return define_spectest_module(store_, linker_, options_.echo_prints, error);
  }

  Verdict run_command(const json& command) {
    std::string type = command.value("type", "");
    if (type == "module") return on_module(command);
    if (type == "register") return on_register(command);
    if (type == "action") return on_action(command);
    if (type == "assert_return") return on_assert_return(command);
    if (type == "assert_trap") return on_assert_trap(command);
    if (type == "assert_exhaustion") return on_assert_trap(command);
    if (type == "assert_invalid" || type == "assert_malformed") return on_assert_rejected(command);
    if (type == "assert_unlinkable") return on_assert_unlinkable(command);
    if (type == "assert_uninstantiable") return on_assert_trapping_module(command);
    return Verdict::fail("unknown command type '" + type + "'");
  }

  // "module \"name\"" style description of a command's subject, for reports.
  static std::string describe_action(const json& action) {
    std::string text = action.value("type", "?") + " \"" + action.value("field", "") + "\"";
    if (action.contains("module")) text = action["module"].get<std::string>() + "." + text;
    if (action.contains("args")) {
      text += "(";
      bool first = true;
      for (const json& a : action["args"]) {
        text += (first ? "" : ", ") + describe_expected(a);
        first = false;
      }
      text += ")";
    }
    return text;
  }

 private:
  static bool is_text_module(const json& command) {
    return command.value("module_type", "binary") == "text";
  }

  // Decodes (and validates) the command's module file.
  bool load(const json& command, Module** out, std::string* error) {
    Box<Module> module;
    if (!load_module(alloc_, dir_ + command.value("filename", ""), &module, error)) return false;
    *out = module.get();
    modules_.push_back(std::move(module));
    return true;
  }

  enum class InstantiateStatus { Ok, LinkError, Trapped, OutOfFuel };

  InstantiateStatus instantiate(const Module& module, Instance** out, std::string* detail) {
    exec_->set_fuel(options_.fuel_per_call);
    Outcome outcome;
    auto inst = engine::instantiate(store_, module, linker_, *exec_, &outcome);
    if (!inst.ok()) {
      *detail = describe_error(inst.error());
      return InstantiateStatus::LinkError;
    }
    *out = inst.value();
    if (outcome.status == Outcome::Status::OutOfFuel) {
      if (exec_->suspended()) exec_->abandon();
      *detail = "out of fuel";
      return InstantiateStatus::OutOfFuel;
    }
    if (outcome.status == Outcome::Status::Trapped) {
      last_trap_ = outcome.trap;
      *detail = "trap: " + describe_trap(outcome.trap);
      return InstantiateStatus::Trapped;
    }
    return InstantiateStatus::Ok;
  }

  Verdict on_module(const json& command) {
    current_ = nullptr;
    if (command.contains("name")) named_.erase(command["name"].get<std::string>());
    if (is_text_module(command)) return Verdict::skip();
    Module* module;
    std::string error;
    if (!load(command, &module, &error)) return Verdict::fail("module rejected: " + error);
    Instance* inst = nullptr;
    if (instantiate(*module, &inst, &error) != InstantiateStatus::Ok)
      return Verdict::fail("instantiation failed: " + error);
    current_ = inst;
    if (command.contains("name")) named_[command["name"].get<std::string>()] = inst;
    return Verdict::pass();
  }

  Verdict on_register(const json& command) {
    Instance* inst = find_instance(command.contains("name") ? &command["name"] : nullptr);
    if (inst == nullptr) return Verdict::fail("no module to register");
    // The linker may keep the name pointer: keep the string alive with the store.
    const std::string& as = registered_names_.emplace_back(command.value("as", ""));
    auto defined = linker_.define_instance(as.c_str(), *inst);
    if (!defined.ok()) return Verdict::fail("register failed: " + describe_error(defined.error()));
    return Verdict::pass();
  }

  Verdict on_action(const json& command) {
    ActionResult r = perform(command["action"]);
    if (r.kind != ActionResult::Kind::Values) return Verdict::fail("got " + r.describe());
    return Verdict::pass();
  }

  Verdict on_assert_return(const json& command) {
    ActionResult r = perform(command["action"]);
    const json& expected = command["expected"];
    std::string want = describe_expected_list(expected);
    if (r.kind != ActionResult::Kind::Values)
      return Verdict::fail("expected " + want + ", got " + r.describe());
    bool same = r.values.size() == expected.size();
    for (size_t i = 0; same && i < r.values.size(); ++i)
      same = matches_expected(expected[i], r.values[i]);
    if (!same) return Verdict::fail("expected " + want + ", got " + r.describe());
    return Verdict::pass();
  }

  // assert_trap / assert_exhaustion on an action, or assert_trap on a module
  // whose instantiation traps.
  Verdict on_assert_trap(const json& command) {
    if (!command.contains("action")) return on_assert_trapping_module(command);
    std::string text = command.value("text", "");
    ActionResult r = perform(command["action"]);
    if (r.kind != ActionResult::Kind::Trapped)
      return Verdict::fail("expected trap \"" + text + "\", got " + r.describe());
    if (!trap_matches(r.trap, text))
      return Verdict::fail("expected trap \"" + text + "\", got " + r.describe());
    return Verdict::pass();
  }

  Verdict on_assert_trapping_module(const json& command) {
    std::string text = command.value("text", "");
    if (is_text_module(command)) return Verdict::skip();
    Module* module;
    std::string error;
    if (!load(command, &module, &error)) return Verdict::fail("module rejected: " + error);
    Instance* inst = nullptr;
    InstantiateStatus status = instantiate(*module, &inst, &error);
    if (status != InstantiateStatus::Trapped)
      return Verdict::fail("expected trap \"" + text + "\" while instantiating, got " +
                           (status == InstantiateStatus::Ok ? std::string("success") : error));
    if (!trap_matches(last_trap_, text))
      return Verdict::fail("expected trap \"" + text + "\", got " + error);
    return Verdict::pass();
  }

  Verdict on_assert_rejected(const json& command) {
    if (is_text_module(command)) return Verdict::skip();
    std::string text = command.value("text", "");
    Module* module;
    std::string error;
    if (load(command, &module, &error))
      return Verdict::fail("expected the module to be rejected (\"" + text + "\"), but it was accepted");
    if (options_.verbose && error.find(text) == std::string::npos)
      printf("%s:%d: note: expected \"%s\", engine said \"%s\"\n", path_.c_str(),
             command.value("line", 0), text.c_str(), error.c_str());
    return Verdict::pass();
  }

  Verdict on_assert_unlinkable(const json& command) {
    if (is_text_module(command)) return Verdict::skip();
    std::string text = command.value("text", "");
    Module* module;
    std::string error;
    if (!load(command, &module, &error)) return Verdict::fail("module rejected: " + error);
    Instance* inst = nullptr;
    InstantiateStatus status = instantiate(*module, &inst, &error);
    if (status != InstantiateStatus::LinkError)
      return Verdict::fail("expected link error \"" + text + "\", got " +
                           (status == InstantiateStatus::Ok ? std::string("success") : error));
    return Verdict::pass();
  }

  Instance* find_instance(const json* name) {
    if (name == nullptr) return current_;
    auto it = named_.find(name->get<std::string>());
    return it == named_.end() ? nullptr : it->second;
  }

  ActionResult perform(const json& action) {
    ActionResult r;
    r.kind = ActionResult::Kind::Error;
    Instance* inst = find_instance(action.contains("module") ? &action["module"] : nullptr);
    if (inst == nullptr) {
      r.error = "no module instance to act on";
      return r;
    }
    std::string field = action.value("field", "");
    ExternVal ext = inst->find_export(field.data(), field.size());
    std::string type = action.value("type", "");
    if (type == "get") {
      if (ext.is_null() || ext.kind != ExternKind::Global) {
        r.error = "no global export \"" + field + "\"";
        return r;
      }
      r.kind = ActionResult::Kind::Values;
      r.values.push_back(engine::global_get(static_cast<engine::GlobalInstance*>(ext.ptr)));
      return r;
    }
    if (type != "invoke") {
      r.error = "unknown action type '" + type + "'";
      return r;
    }
    if (ext.is_null() || ext.kind != ExternKind::Func) {
      r.error = "no function export \"" + field + "\"";
      return r;
    }
    auto* func = static_cast<engine::FuncInstance*>(ext.ptr);
    engine::Signature sig = engine::func_signature(func);
    std::vector<Value> args;
    for (const json& a : action["args"]) {
      Value v;
      if (!parse_script_value(a, &v, &r.error)) return r;
      args.push_back(v);
    }
    if (args.size() != sig.num_params) {
      r.error = "export takes " + std::to_string(sig.num_params) + " arguments, script gives " +
                std::to_string(args.size());
      return r;
    }
    for (size_t i = 0; i < args.size(); ++i) {
      if (args[i].type != sig.params[i]) {
        r.error = "argument " + std::to_string(i) + " should be " +
                  engine::val_type_name(sig.params[i]);
        return r;
      }
    }
    exec_->set_fuel(options_.fuel_per_call);
    Outcome outcome = exec_->call(func, args.data(), args.size());
    switch (outcome.status) {
      case Outcome::Status::Ok:
        r.kind = ActionResult::Kind::Values;
        for (size_t i = 0; i < exec_->num_results(); ++i) r.values.push_back(exec_->result(i));
        break;
      case Outcome::Status::Trapped:
        r.kind = ActionResult::Kind::Trapped;
        r.trap = outcome.trap;
        break;
      case Outcome::Status::OutOfFuel:
        r.kind = ActionResult::Kind::OutOfFuel;
        if (exec_->suspended()) exec_->abandon();
        break;
    }
    return r;
  }

  std::string path_;
  std::string dir_;
  ScriptOptions options_;
  engine::Allocator& alloc_;
  std::vector<Box<Module>> modules_;
  std::deque<std::string> registered_names_;
  engine::Store store_;
  engine::Linker linker_;
  Box<engine::Execution> exec_;
  std::map<std::string, Instance*> named_;
  Instance* current_ = nullptr;
  Trap last_trap_;
};

bool read_script(const std::string& path, json* out, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read " + path;
    return false;
  }
  *out = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (out->is_discarded() || !out->contains("commands") || !(*out)["commands"].is_array()) {
    *error = path + ": not a wast2json script";
    return false;
  }
  return true;
}

}  // namespace

ScriptCounts run_script(const std::string& json_path, const ScriptOptions& options,
                        ProgressFn progress, void* progress_user) {
  ScriptCounts counts;
  json script;
  std::string error;
  if (!read_script(json_path, &script, &error)) {
    printf("%s\n", error.c_str());
    counts.failed = 1;
    return counts;
  }
  ScriptRun run(json_path, options);
  if (!run.setup(&error)) {
    printf("%s: %s\n", json_path.c_str(), error.c_str());
    counts.failed = 1;
    return counts;
  }
  // Failures name the .wast line, which is what a reader opens.
  std::string source = script.value("source_filename", json_path);
  for (const json& command : script["commands"]) {
    Verdict v = run.run_command(command);
    switch (v.status) {
      case Verdict::Status::Pass: ++counts.passed; break;
      case Verdict::Status::Skip: ++counts.skipped; break;
      case Verdict::Status::Fail: {
        ++counts.failed;
        std::string what = command.value("type", "?");
        if (command.contains("action")) what += " " + ScriptRun::describe_action(command["action"]);
        else if (command.contains("filename")) what += " " + command["filename"].get<std::string>();
        printf("%s:%d: %s: %s\n", source.c_str(), command.value("line", 0), what.c_str(),
               v.why.c_str());
        break;
      }
    }
    if (progress != nullptr) progress(counts, progress_user);
  }
  fflush(stdout);
  return counts;
}

int64_t count_script_commands(const std::string& json_path, std::string* error) {
  json script;
  if (!read_script(json_path, &script, error)) return -1;
  return static_cast<int64_t>(script["commands"].size());
}

}  // namespace continuum::cli
