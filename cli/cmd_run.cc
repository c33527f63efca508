// `continuum run [OPTIONS] FILE [ARGS...]`: runs a WASI command module's
// `_start`, or with --invoke calls one export with typed arguments.
#include <inttypes.h>
#include <stdio.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "continuum/engine/port.h"
#include "continuum/engine/runtime.h"
#include "continuum/wasi/wasi.h"
#include "exit_codes.h"
#include "load.h"
#include "values.h"

namespace continuum::cli {
namespace {

using engine::ExternKind;
using engine::ExternVal;
using engine::Outcome;
using engine::TrapKind;
using engine::Value;

struct RunOptions {
  std::string invoke;             // export to call instead of _start
  uint64_t fuel = 0;              // 0: unlimited
  std::string max_memory;         // as typed; parsed by parse_byte_size
  std::vector<std::string> dirs;  // HOST[::GUEST]
  std::vector<std::string> env;   // K=V
  CLI::App* command = nullptr;    // for the FILE and ARGS left after the options
};

int fail(int status, const std::string& message) {
  fflush(stdout);
  fprintf(stderr, "error: %s\n", message.c_str());
  return status;
}

// Builds the WASI configuration from the options; false + message on bad input.
bool make_wasi_config(const RunOptions& o, const std::vector<std::string>& argv,
                      wasi::WasiConfig* config, std::string* error) {
  config->args = argv;
  for (const std::string& kv : o.env) {
    if (kv.find('=') == std::string::npos || kv[0] == '=') {
      *error = "--env expects KEY=VALUE, got '" + kv + "'";
      return false;
    }
    config->env.push_back(kv);
  }
  for (const std::string& dir : o.dirs) {
    wasi::Preopen preopen;
    size_t sep = dir.find("::");
    preopen.host_path = dir.substr(0, sep);
    preopen.guest_path = sep == std::string::npos ? dir : dir.substr(sep + 2);
    if (preopen.host_path.empty() || preopen.guest_path.empty()) {
      *error = "--dir expects HOST[::GUEST], got '" + dir + "'";
      return false;
    }
    config->preopens.push_back(preopen);
  }
  return true;
}

// Maps how a call ended to the process exit status, printing the one-line
// explanation for traps and fuel exhaustion.
int report_outcome(const Outcome& outcome, engine::Execution& exec) {
  switch (outcome.status) {
    case Outcome::Status::Ok:
      return kExitOk;
    case Outcome::Status::OutOfFuel:
      fflush(stdout);
      fprintf(stderr, "error: out of fuel after %" PRIu64 " units\n", exec.fuel_consumed());
      return kExitOutOfFuel;
    case Outcome::Status::Trapped:
      if (outcome.trap.kind == TrapKind::Exit) return outcome.trap.exit_code;
      fflush(stdout);
      fprintf(stderr, "trap: %s\n", describe_trap(outcome.trap).c_str());
      return kExitTrap;
  }
  return kExitError;
}

int run(const RunOptions& o) {
  std::vector<std::string> rest = o.command->remaining();
  if (rest.empty()) return fail(kExitUsage, "run: missing FILE (see continuum run --help)");
  const std::string file = rest[0];
  // Unknown options before FILE land here too (prefix_command keeps them).
  if (file.size() > 1 && file[0] == '-')
    return fail(kExitUsage, "run: unknown option '" + file + "' (options go before FILE)");

  engine::EngineConfig config;
  if (!o.max_memory.empty()) {
    uint64_t bytes;
    if (!parse_byte_size(o.max_memory, &bytes))
      return fail(kExitUsage, "--max-memory: '" + o.max_memory +
                                  "' is not a size (bytes, or a number with KiB, MiB or GiB)");
    config.max_memory_bytes = bytes;
  }

  wasi::WasiConfig wasi_config;
  std::string error;
  std::vector<std::string> guest_argv = o.invoke.empty() ? rest : std::vector<std::string>{file};
  if (!make_wasi_config(o, guest_argv, &wasi_config, &error)) return fail(kExitUsage, error);

  engine::Allocator& alloc = engine::port::system_allocator();
  engine::Box<engine::Module> module;
  if (!load_module(alloc, file, &module, &error)) return fail(kExitError, error);

  // Declaration order is lifetime order: the WASI context must outlive the
  // store's instances, and the module must outlive both.
  wasi::WasiContext wasi_context(std::move(wasi_config));
  engine::Store store(alloc, config);
  engine::Linker linker(alloc);
  auto defined = wasi_context.define(store, linker);
  if (!defined.ok()) {
    std::string detail = wasi_context.error_detail();
    return fail(kExitError, "WASI setup: " + (detail.empty() ? describe_error(defined.error()) : detail));
  }
  auto created = engine::create_execution(store);
  if (!created.ok()) return fail(kExitError, "cannot create an execution: " + describe_error(created.error()));
  engine::Box<engine::Execution> exec = created.take();
  exec->set_fuel(o.fuel == 0 ? engine::Execution::kUnlimitedFuel : o.fuel);

  Outcome outcome;
  auto instance = engine::instantiate(store, *module, linker, *exec, &outcome);
  if (!instance.ok()) return fail(kExitError, file + ": " + describe_error(instance.error()));
  if (!outcome.ok()) return report_outcome(outcome, *exec);  // the start function trapped

  const std::string name = o.invoke.empty() ? "_start" : o.invoke;
  ExternVal ext = instance.value()->find_export(name.data(), name.size());
  if (ext.is_null() || ext.kind != ExternKind::Func) {
    if (o.invoke.empty())
      return fail(kExitError, file + ": no _start export (use --invoke NAME to call a function)");
    return fail(kExitError, file + ": no exported function '" + name + "'");
  }
  auto* func = static_cast<engine::FuncInstance*>(ext.ptr);
  engine::Signature sig = engine::func_signature(func);

  std::vector<Value> args;
  if (!o.invoke.empty()) {
    size_t given = rest.size() - 1;
    if (given != sig.num_params)
      return fail(kExitUsage, "'" + name + "' takes " + std::to_string(sig.num_params) +
                                  " arguments, " + std::to_string(given) + " given");
    for (uint32_t i = 0; i < sig.num_params; ++i) {
      Value v;
      if (!parse_value(sig.params[i], rest[i + 1], &v, &error))
        return fail(kExitUsage, "argument " + std::to_string(i + 1) + " of '" + name + "': " + error);
      args.push_back(v);
    }
  } else if (sig.num_params != 0 || sig.num_results != 0) {
    return fail(kExitError, file + ": _start must take and return nothing");
  }

  fflush(stdout);
  outcome = exec->call(func, args.data(), args.size());
  if (outcome.ok()) {
    for (size_t i = 0; i < exec->num_results(); ++i)
      printf("%s\n", format_value(exec->result(i)).c_str());
    fflush(stdout);
  }
  return report_outcome(outcome, *exec);
}

}  // namespace

Command add_run_command(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Run a WebAssembly module (WASI _start, or --invoke an export)");
  o->command = cmd;
  // Everything from FILE on is left for the guest, so `continuum run prog.wasm -x`
  // passes -x to the program.
  cmd->prefix_command();
  cmd->add_option("--invoke", o->invoke,
                  "Call this export instead of _start; ARGS are its arguments "
                  "(ints: decimal or 0x hex; floats: 1.5, nan, inf)");
  cmd->add_option("--fuel", o->fuel, "Stop after this many units of work (default: unlimited)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-memory", o->max_memory,
                  "Largest linear memory the guest may grow to, e.g. 65536, 16MiB, 1GiB");
  cmd->add_option("--dir", o->dirs, "Give the guest a host directory: HOST[::GUEST] (repeatable)")
      ->take_all()
      ->allow_extra_args(false);
  cmd->add_option("--env", o->env, "Set a guest environment variable: KEY=VALUE (repeatable)")
      ->allow_extra_args(false);
  cmd->footer(
      "Usage: continuum run [OPTIONS] FILE [ARGS...]\n"
      "Options go before FILE; everything after FILE is passed to the module.\n"
      "Exit status: the module's proc_exit code (0 when _start returns); 134 on a trap\n"
      "(one 'trap: ...' line on stderr); 124 when out of fuel; 1 when the file cannot be\n"
      "read, decoded, validated or linked; 2 for a bad command line.\n");
  return [o] { return run(*o); };
}

}  // namespace continuum::cli
