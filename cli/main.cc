// `continuum`: the one program of every tier. Runs, validates and inspects
// WebAssembly modules, runs nodes and whole local deployments, talks to them,
// signs and registers modules, runs the simulators and the benchmarks. Each
// subcommand lives in its own cmd_*.cc; this file only dispatches.
#include <CLI/CLI.hpp>

#include "commands.h"
#include "continuum/node/version.h"
#include "exit_codes.h"

int main(int argc, char** argv) {
  using namespace continuum::cli;
  CLI::App app{"Continuum: one WebAssembly engine for microcontrollers, gateways and servers"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("continuum ") + continuum::node::kVersion);

  Command commands[] = {
      add_run_command(app),
      add_validate_command(app),
      add_inspect_command(app),
      add_spectest_command(app),
      add_replay_command(app),
      add_sim_command(app),
      add_node_command(app),
      add_stats_command(app),
      add_up_command(app),
      add_cmd_command(app),
      add_bench_command(app),
      add_keygen_command(app),
      add_sign_command(app),
      add_verify_command(app),
      add_registry_command(app),
      add_move_command(app),
      add_deploy_command(app),
      add_ls_command(app),
      add_rollback_command(app),
      add_hash_password_command(app),
  };
  auto subcommands = app.get_subcommands([](CLI::App*) { return true; });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    // --help and --version are successes; everything else is a usage error.
    return code == 0 ? kExitOk : kExitUsage;
  }
  for (size_t i = 0; i < subcommands.size(); ++i) {
    if (subcommands[i]->parsed()) return commands[i]();
  }
  return kExitUsage;
}
