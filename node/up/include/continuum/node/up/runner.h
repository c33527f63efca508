// `continuum up`: starts a whole local deployment from one file (the broker,
// the simulators as threads, every node as a child `continuum node`), shows a
// live summary, and stops everything in order on Ctrl-C/SIGTERM or after
// --for, leaving no process behind. docs/deployment.md.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace continuum::node::up {

using Millis = std::chrono::milliseconds;

struct UpOptions {
  std::string deployment;    // the TOML file
  std::string run_dir;       // "": a fresh directory (printed)
  std::string modules_dir;   // "": --modules, CTM_MODULES, or next to the binary
  std::string node_binary;   // the `continuum` to start nodes with ("": /proc/self/exe)
  std::optional<Millis> run_for;
  std::string summary_json;  // "": none
  std::optional<Millis> outage_at, outage_for;  // --broker-outage AT+DURATION
  bool check = false;
  int live = -1;             // 1 screen, 0 lines, -1: screen when stdout is a terminal
};

// Parses "8s+5s". False when malformed.
bool parse_outage(const std::string& text, Millis* at, Millis* duration);

// Returns the exit status: 0; 1 when something failed to start or a node
// failed while running; 2 for a bad deployment file.
int run_up(const UpOptions& options);

}  // namespace continuum::node::up
