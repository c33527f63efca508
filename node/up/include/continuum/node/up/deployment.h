// A deployment file (`continuum up APP.toml`, docs/deployment.md): the broker,
// the simulators and the nodes of one local deployment. Each [[nodes]] entry
// is exactly a node config (docs/node-config.md, one schema, not two); `up`
// only fills in what the deployment decides (data_dir, the broker address)
// and the references `${modules}`, `${run_dir}`, `${broker.host|port}`,
// `${sim.<name>.<key>}` and `${port:<label>}`.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "continuum/node/agent/config.h"

namespace continuum::node::up {

// [[simulators]] kind = "soil": fields behind a Modbus TCP gateway.
struct SoilSimSettings {
  int fields = 2;
  int sensors = 2;
  uint64_t seed = 1;
  double speed = 600;             // simulated seconds per real second
  double start_hour = 6;
  double initial_moisture = 0.26;  // m3/m3 (each field +-0.02 from the seed)
  double et0_mm_per_day = 5;
  double pump_flow_l_per_min = 20;
  double area_m2 = 100;
  double rain_per_day = 0.25;
  int port = 0;                   // Modbus TCP; 0: a free loopback port
};

// [[simulators]] kind = "krc2": the robot controller on a pseudo-terminal.
struct Krc2SimSettings {
  int baud = 19200;
  double safety_mm = 1000;
  double closest_mm = 900;
  double period_s = 20;
  double swing_deg = 60;
  std::array<double, 3> point{1680, 2000, 1499};
  uint64_t seed = 1;
  double noise_rate = 0, drop_rate = 0, out_of_range_rate = 0;
  double resume_after_s = 0;  // > 0: after a STOP it stands this long, then moves on
};

struct SimulatorSettings {
  std::string name;
  std::string kind;  // "soil" or "krc2"
  SoilSimSettings soil;
  Krc2SimSettings krc2;
};

struct BrokerSettings {
  bool managed = true;  // no [broker] table: `up` starts mosquitto
  std::string host = "127.0.0.1";
  int port = 0;         // managed: 0 = a free loopback port
};

struct NodeSection {
  std::string id;
  std::string tier;
  std::string toml;           // the generated node config (written to <run_dir>/nodes/<id>.toml)
  agent::NodeConfig config;   // the same, parsed and checked
};

struct Deployment {
  std::string source;  // the file, for messages
  std::string name;
  BrokerSettings broker;
  std::vector<SimulatorSettings> simulators;
  std::vector<NodeSection> nodes;
};

// What the references resolve to. Filled by `up` before the nodes are
// generated (ports picked, paths chosen), or with placeholders for --check.
struct Bindings {
  std::string modules_dir;
  std::string run_dir;
  std::string broker_host = "127.0.0.1";
  int broker_port = 1883;
  // "sim.<name>.<key>" -> value (tty, port, baud, safety_mm, point)
  std::map<std::string, std::string> values;
  // "port:<label>" -> a free port, picked on first use by the caller's picker.
  std::map<std::string, int> ports;
  int (*pick_port)() = nullptr;  // nullptr: placeholder 1
};

// Step 1: reads [deployment], [broker] and [[simulators]] (references inside
// them are not allowed to matter: they are read with placeholders).
std::optional<Deployment> read_deployment_head(const std::string& path, const agent::EnvLookup& env,
                                               std::string* error);

// The reference values a simulator offers (${sim.<name>.<key>}), given where
// its pty link is and which Modbus port it listens on.
void bind_simulator(const SimulatorSettings& sim, const std::string& tty_path, int modbus_port,
                    Bindings* bindings);

// Step 2: resolves the references and generates + checks every node config.
// Errors name the file and the key: "both.toml: nodes[2] (edge-robot-1):
// stages[0].module: ...".
bool generate_nodes(const std::string& path, const agent::EnvLookup& env, Bindings& bindings,
                    Deployment* deployment, std::string* error);

// The SQLite store of the first ingest node with the sqlite backend, or "".
std::string ingest_store_path(const Deployment& deployment, std::string* node_id = nullptr);

}  // namespace continuum::node::up
