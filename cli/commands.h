// The subcommands of `continuum`. Each one registers its options on the
// CLI11 app and returns a function that runs it and yields the exit status.
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace continuum::cli {

using Command = std::function<int()>;

Command add_run_command(CLI::App& app);
Command add_validate_command(CLI::App& app);
Command add_inspect_command(CLI::App& app);
Command add_spectest_command(CLI::App& app);
Command add_replay_command(CLI::App& app);
Command add_sim_command(CLI::App& app);
Command add_node_command(CLI::App& app);
Command add_stats_command(CLI::App& app);
Command add_up_command(CLI::App& app);
Command add_cmd_command(CLI::App& app);
Command add_bench_command(CLI::App& app);  // `bench engine`: bench/engine/run.py
// Over-the-air updates (docs/ota.md): keys, signatures, the module registry.
Command add_keygen_command(CLI::App& app);
Command add_sign_command(CLI::App& app);
Command add_verify_command(CLI::App& app);
Command add_registry_command(CLI::App& app);
Command add_move_command(CLI::App& app);  // cmd_move.cc: live migration (docs/migration.md)
Command add_deploy_command(CLI::App& app);    // cmd_deploy.cc
Command add_ls_command(CLI::App& app);        // cmd_ls.cc
Command add_rollback_command(CLI::App& app);  // cmd_rollback.cc
// Sign-in of the HTTP API (docs/api.md): a password hash for [http] admin_password_hash.
Command add_hash_password_command(CLI::App& app);

}  // namespace continuum::cli
