// `continuum up DEPLOYMENT.toml`: a whole local deployment from one file
// (node/up, docs/deployment.md): the broker, the simulators, every node; a
// live summary; Ctrl-C (or --for) stops everything.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "commands.h"
#include "continuum/node/agent/config.h"
#include "continuum/node/up/runner.h"
#include "exit_codes.h"

namespace continuum::cli {

Command add_up_command(CLI::App& app) {
  struct Options {
    node::up::UpOptions up;
    std::string run_for, outage;
    bool lines = false, screen = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* up = app.add_subcommand("up", "Run a local deployment from one file: broker, simulators, nodes (docs/deployment.md)");
  up->add_option("DEPLOYMENT", o->up.deployment, "The deployment file (deploy/*.toml)")->required();
  up->add_flag("--check", o->up.check, "Only check the file and every node section, then exit");
  up->add_option("--for", o->run_for, "Stop by itself after this long, e.g. 30s or 5m");
  up->add_option("--summary-json", o->up.summary_json, "Write the final summary as JSON to this file");
  up->add_option("--run-dir", o->up.run_dir,
                 "Directory for generated configs, node data, logs (default: a fresh one under "
                 "${XDG_STATE_HOME:-~/.local/state}/continuum/runs)");
  up->add_option("--modules", o->up.modules_dir,
                 "Directory of the stage modules for ${modules} (default: $CTM_MODULES, or next to this binary)");
  up->add_option("--broker-outage", o->outage,
                 "Fault injection: stop the managed broker at AT and start it again after DURATION, e.g. 8s+5s");
  up->add_flag("--lines", o->lines, "A compact status line every 5 s, even on a terminal");
  up->add_flag("--screen", o->screen, "The one-screen live summary, even when stdout is not a terminal");
  return [o]() -> int {
    if (!o->run_for.empty()) {
      std::optional<node::agent::Millis> d = node::agent::parse_duration(o->run_for);
      if (!d || d->count() <= 0) {
        std::fprintf(stderr, "error: --for: expected a duration such as \"30s\" or \"5m\", got \"%s\"\n",
                     o->run_for.c_str());
        return kExitUsage;
      }
      o->up.run_for = *d;
    }
    if (!o->outage.empty()) {
      node::agent::Millis at{}, duration{};
      if (!node::up::parse_outage(o->outage, &at, &duration)) {
        std::fprintf(stderr, "error: --broker-outage: expected AT+DURATION such as \"8s+5s\", got \"%s\"\n",
                     o->outage.c_str());
        return kExitUsage;
      }
      o->up.outage_at = at;
      o->up.outage_for = duration;
    }
    if (o->lines && o->screen) {
      std::fprintf(stderr, "error: --lines and --screen exclude each other\n");
      return kExitUsage;
    }
    o->up.live = o->screen ? 1 : o->lines ? 0 : -1;
    return node::up::run_up(o->up);
  };
}

}  // namespace continuum::cli
