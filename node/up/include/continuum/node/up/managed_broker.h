// The broker `continuum up` runs when the deployment names none: Debian's
// mosquitto on a loopback port, with a generated config in <run_dir>/broker.
// It persists sessions (nodes with a persistent session, such as the ingest
// node, keep their subscriptions and queued messages across a restart), which
// is what makes `--broker-outage` survivable without losing readings.
#pragma once

#include <string>

#include "continuum/node/up/child_process.h"

namespace continuum::node::up {

// A port that was free on 127.0.0.1 a moment ago.
int free_loopback_port();
// True once something accepts TCP connections on 127.0.0.1:port.
bool port_accepts(int port);

class ManagedBroker {
 public:
  // dir: where the config, the log and the persistence file go.
  ManagedBroker(std::string dir, int port) : dir_(std::move(dir)), port_(port) {}
  // Starts mosquitto and waits (bounded) until it accepts connections.
  // Error message or "".
  std::string start();
  // Stops it cleanly (SIGTERM: it saves its sessions), bounded.
  void stop();
  int port() const { return port_; }
  bool running() { return process_.running(); }
  pid_t pid() const { return process_.pid(); }
  std::string log_path() const { return dir_ + "/mosquitto.log"; }

 private:
  std::string dir_;
  int port_;
  ChildProcess process_;
};

}  // namespace continuum::node::up
