// `continuum node` processes for end-to-end tests: each node's config file,
// data directory and log in one temporary directory, started as child
// processes on a real broker; the CLI run against a cloud node's HTTP API
// with the API token that node generated. Links continuum_test_support.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/run_program.h"
#include "support/server_process.h"

namespace continuum::testing {

class NodeProcesses {
 public:
  // PROGRAM: the `continuum` binary; DIR: where configs, data and logs go.
  NodeProcesses(std::string program, std::filesystem::path dir) : program_(std::move(program)), dir_(std::move(dir)) {}
  ~NodeProcesses() { stop_all(); }

  // Writes DIR/ID.toml: [node] id, data_dir DIR/ID, heartbeat 100ms and
  // NODE_KEYS (e.g. "tier = \"edge\"\n"), [mqtt] port BROKER_PORT, then
  // SECTIONS; starts it with its log in DIR/ID.log.
  bool start(const std::string& id, int broker_port, const std::string& sections, const std::string& node_keys = "");
  // Stops node ID and starts it again on the same config, its log going on
  // in DIR/ID-again.log.
  bool restart(const std::string& id);
  void stop_all();
  // Every log, each under a "--- NAME" line (for failure messages).
  std::string logs() const;

  // The CLI with --api API and, when node TOKEN_NODE generated one
  // (DIR/TOKEN_NODE/api-token), --token.
  ProgramRun cli(std::vector<std::string> args, const std::string& api, const std::string& token_node) const;

 private:
  std::string program_;
  std::filesystem::path dir_;
  std::map<std::string, std::unique_ptr<ChildProcess>> processes_;  // by log name
};

}  // namespace continuum::testing
