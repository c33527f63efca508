// `continuum replay MODULE --trace FILE [--config FILE] [--grant G]...
// [--limit SPEC]...`: runs one stage offline on a recorded trace and prints
// what it emits, one JSON line per event (format: host/include/continuum/host/replay.h).
// MODULE is a .wasm or a native shared library built from the same sources.
#include <stdio.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "commands.h"
#include "continuum/host/replay.h"
#include "exit_codes.h"

namespace continuum::cli {
namespace {

struct ReplayArgs {
  std::string module;
  std::string trace;
  std::string config;
  std::string stage = "stage";
  std::vector<std::string> grants;
  std::vector<std::string> limits;
  uint64_t fuel = 0;
  bool log = false;
};

int fail(int status, const std::string& message) {
  fflush(stdout);
  fprintf(stderr, "error: %s\n", message.c_str());
  return status;
}

int run_replay_command(const ReplayArgs& a) {
  host::ReplayOptions options;
  options.module_path = a.module;
  options.echo_logs = a.log;
  options.stage.name = a.stage;
  if (a.fuel) options.limits.fuel_per_call = a.fuel;
  std::string error;
  if (a.grants.empty()) {
    options.stage.grants = host::GrantSet::everything();
  } else if (!host::GrantSet::parse(a.grants, &options.stage.grants, &error)) {
    return fail(kExitUsage, error);
  }
  for (const std::string& spec : a.limits) {
    if (!options.stage.limits.add(spec, &error)) return fail(kExitUsage, error);
  }
  if (!a.config.empty()) {
    std::ifstream in(a.config);
    if (!in) return fail(kExitError, "cannot read " + a.config);
    std::stringstream text;
    text << in.rdbuf();
    if (!host::parse_stage_config(text.str(), &options.stage.config, &error))
      return fail(kExitError, a.config + ": " + error);
  }
  std::ifstream trace(a.trace);
  if (!trace) return fail(kExitError, "cannot read " + a.trace);
  host::ReplaySummary summary;
  bool ok = host::run_replay(options, trace, std::cout, &summary, &error);
  std::cout.flush();
  if (!ok) return fail(kExitError, error);
  const host::StageCounters& c = summary.counters;
  fprintf(stderr,
          "replay: %llu trace lines, %llu output lines; refused: %llu not granted, %llu bad "
          "pointer, %llu unsafe; %llu forced off; failed deliveries: %llu errors, %llu traps, "
          "%llu out of fuel, %llu too large\n",
          (unsigned long long)summary.lines, (unsigned long long)summary.output_lines,
          (unsigned long long)c.not_granted, (unsigned long long)c.bad_pointer,
          (unsigned long long)c.unsafe, (unsigned long long)c.forced_off,
          (unsigned long long)c.handler_errors, (unsigned long long)c.traps,
          (unsigned long long)c.out_of_fuel, (unsigned long long)c.undelivered);
  return kExitOk;
}

}  // namespace

Command add_replay_command(CLI::App& app) {
  auto args = std::make_shared<ReplayArgs>();
  CLI::App* cmd = app.add_subcommand("replay", "Run a stage module offline on a trace and print what it emits");
  cmd->add_option("MODULE", args->module, "Stage module: .wasm or native shared library")->required();
  cmd->add_option("--trace", args->trace, "Trace file (JSON lines)")->required();
  cmd->add_option("--config", args->config, "Stage configuration (JSON object)");
  cmd->add_option("--grant", args->grants,
                  "Grant a resource, e.g. sensor:soil-1, emit:readings, kv (repeatable; default: everything)");
  cmd->add_option("--limit", args->limits,
                  "Safety limit: pump:NAME:max_on=MS,window=MS[,min_off=MS] or stop:NAME (repeatable)");
  cmd->add_option("--stage", args->stage, "Stage name used in logs");
  cmd->add_option("--fuel", args->fuel, "Fuel per delivery for wasm modules (default 50000000)");
  cmd->add_flag("--log", args->log, "Print the module's log lines on stderr");
  return [args] { return run_replay_command(*args); };
}

}  // namespace continuum::cli
