// `continuum node --config NODE.toml`: runs the node agent (node/agent) until
// SIGINT or SIGTERM, then shuts down cleanly and exits 0.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <string>

#include "commands.h"
#include "continuum/node/agent/agent.h"
#include "exit_codes.h"

namespace continuum::cli {

Command add_node_command(CLI::App& app) {
  struct Options {
    std::string config;
    bool check = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* node = app.add_subcommand("node", "Run a node: host its stages, wire them, talk MQTT (docs/node-config.md)");
  node->add_option("--config", options->config, "The node's TOML file")->required();
  node->add_flag("--check", options->check, "Only read and check the config, then exit");
  return [options]() -> int {
    using namespace continuum::node::agent;
    std::string error;
    std::optional<NodeConfig> config = load_node_config(options->config, process_environment(), &error);
    if (!config) {
      std::fprintf(stderr, "error: %s\n", error.c_str());
      return kExitUsage;
    }
    if (options->check) {
      std::printf("%s: node %s (%s), %zu stage(s), %zu device(s)%s%s%s\n", config->source.c_str(),
                  config->id.c_str(), config->tier.c_str(), config->stages.size(), config->devices.size(),
                  config->mqtt.enabled ? ", mqtt" : "", config->ingest.enabled ? ", ingest" : "",
                  config->http.enabled ? ", http" : "");
      return kExitOk;
    }
    // Block the stop signals before any thread starts, so they all inherit the
    // mask and the signals wait for sigwait() here instead of killing us.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    std::unique_ptr<Agent> agent = Agent::start(std::move(*config), &error);
    if (!agent) {
      std::fprintf(stderr, "error: %s\n", error.c_str());
      return kExitError;
    }
    std::fprintf(stderr, "node %s (%s) running\n", agent->config().id.c_str(), agent->config().tier.c_str());
    int signal = 0;
    sigwait(&stop_signals, &signal);
    std::fprintf(stderr, "node %s: %s, shutting down\n", agent->config().id.c_str(),
                 signal == SIGINT ? "SIGINT" : "SIGTERM");
    agent->stop();
    std::fprintf(stderr, "node %s: stopped\n", agent->config().id.c_str());
    return kExitOk;
  };
}

}  // namespace continuum::cli
