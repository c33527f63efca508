// The node agent's configuration (one TOML file per node; docs/node-config.md
// is the field-by-field reference). One schema for every tier: the tier is a
// label, and what a node does follows from what its file enables (devices,
// stages, MQTT, ingest into storage).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "continuum/adapters/mqtt_bus.h"
#include "continuum/adapters/storage.h"
#include "continuum/node/outbox.h"

namespace continuum::node::agent {

using Millis = std::chrono::milliseconds;

// A sensor channel of a Modbus TCP device: one register with a scale.
struct ModbusSensorSettings {
  std::string table = "input";  // "input" or "holding"
  int address = 0;
  double scale = 1;
  bool is_signed = false;
};

struct DeviceSettings {
  std::string name;
  std::string kind;  // "simulated", "modbus-tcp" or "serial"
  // simulated: fixed sensor values, and the actuators it accepts.
  std::map<std::string, double> sim_sensors;
  std::vector<std::string> sim_actuators;
  // modbus-tcp
  std::string host = "127.0.0.1";
  int port = 502;
  int unit = 1;
  Millis timeout{500};
  std::map<std::string, ModbusSensorSettings> modbus_sensors;
  std::map<std::string, int> coils;  // actuator name -> coil address
  // serial: the port is named like the device ("serial:<name>" grants).
  std::string path;
  int baud = 9600;
};

// Where one input port of a stage gets its messages.
struct SourceSettings {
  std::string text;  // as written: "stage.port" or "node/stage/port"
  bool remote = false;
  std::string node;  // remote only
  std::string stage;
  std::string port;
};

struct StageSettings {
  std::string name;
  std::string module;  // absolute path of the .wasm or .so
  std::vector<std::string> grants;
  std::vector<std::string> limits;  // safety limits, host/safety.h syntax
  std::map<std::string, std::string> config;
  std::optional<Millis> tick;
  std::map<std::string, std::vector<SourceSettings>> inputs;  // port -> sources
  bool publish_all = true;               // every output port goes to MQTT
  std::vector<std::string> publish;      // or only these (publish_all false)
  std::size_t queue = 256;               // bounded input queue
  uint64_t fuel = 50'000'000;            // per delivery (wasm)
  uint64_t memory_bytes = 16u << 20;     // engine allocations (wasm)
};

struct MqttSettings {
  bool enabled = false;
  adapters::MqttConfig mqtt;  // host, port, credentials, TLS, keepalive
  std::size_t max_payload = 256 * 1024;  // larger received payloads are dropped unparsed
};

struct OutboxSettings {
  std::string path;  // default <data_dir>/outbox.db
  std::size_t capacity = 100000;
  OverflowPolicy policy = OverflowPolicy::kDropOldest;
  std::size_t window = 16;
  // sync = "normal" (the default: no fsync per commit; survives a crash or
  // kill of the node process and a broker outage) or "full" (fsync per
  // commit: also survives a power loss); docs/node-config.md.
  bool sync_full = false;
  // Envelopes queued for the same topic leave as one batch message of at
  // most this many (docs/protocol.md, "Batches"); 1: never batch.
  std::size_t batch = 64;
};

struct IngestSettings {
  bool enabled = false;
  std::string share_group;  // empty: plain subscription
  adapters::StorageConfig storage;
  Millis retention_every{60000};
};

// [http]: the HTTP API (docs/api.md). Needs [mqtt] (the fleet view comes
// from status and heartbeat messages); series and latency need [ingest].
struct HttpSettings {
  bool enabled = false;
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port, printed on stderr at start
  // Sign-in (docs/api.md "Sign-in, sessions and tokens"): at most one of the
  // three password keys; none: <data_dir>/admin-password, generated.
  std::string admin_password, admin_password_hash, admin_password_file;
  std::string api_token, api_token_file;  // neither: <data_dir>/api-token, generated
  std::string read_access;                // "public", "signed-in"; empty: public on a loopback host
  Millis session_ttl{12 * 3600 * 1000};
  bool cookie_secure = false;             // Secure cookies (behind a TLS proxy)
  std::string web_root;                   // the dashboard's files; empty: found beside the program
};

struct SupervisorSettings {
  Millis backoff_min{100};
  Millis backoff_max{30000};
  // Refused host calls in one delivery that count as misbehaving (restart).
  uint64_t refusal_storm = 100;
};

// [update]: hot swap of a stage's module (stage.update, docs/ota.md "Hot
// swap"). The new version is on probation until it handled health_messages
// messages or health_window passed; a trap or running out of fuel before that
// rolls back to the old version, which is kept until then.
struct UpdateSettings {
  uint64_t health_messages = 20;
  Millis health_window{30000};
};

// [trust]: the public keys stage.update checks module signatures against
// (docs/ota.md). Without it, stage.update takes a module unchecked.
struct TrustSettings {
  std::string keys;  // a .pub file or a directory of them; empty: no [trust]
};

// [registry]: this node keeps the OTA module registry and serves modules to
// nodes over the transfer protocol (docs/ota.md "Registry service"); with
// [http], also the /api/modules endpoints (docs/api.md). Needs [mqtt].
struct RegistrySettings {
  bool enabled = false;
  std::string dir;    // default <data_dir>/registry
  std::string trust;  // a .pub file or a directory of them: uploads must verify against it
  // The deployment key POST /api/modules/sign signs with; empty:
  // <dir>/deploy.key, generated at first start.
  std::string signing_key;
};

// [migration]: live migration of stages between nodes (docs/migration.md).
// A node adopts stages moved to it unless accept is false; `native` names the
// native build (.so) it runs instead of the .wasm for a stage of that name
// (engine tiers: the state travels through the stage's hand-over hooks).
struct MigrationSettings {
  bool accept = true;
  std::map<std::string, std::string> native;  // stage name -> .so path
  Millis timeout{10000};  // each step's reply (prepare, commit) from the target
  // How often this node publishes a snapshot of each movable stage
  // (retained, for the placement service to restart it elsewhere should this
  // node die); 0: never.
  Millis snapshot_every{0};
};

// [placement]: this node watches the fleet and re-places the movable stages
// of a node whose Will arrives, from their last snapshot (docs/migration.md
// "Placement"). Needs [mqtt].
struct PlacementSettings {
  bool enabled = false;
  // Load-based moves (docs/migration.md "Placement: a node stays busy"): a
  // node whose cpu_percent stays above load_threshold (percent of one core;
  // 0: never) for load_window has its movable stage with the largest share
  // moved to the least loaded node where load + share stays load_margin
  // under the threshold; a moved stage is not moved again within cooldown.
  double load_threshold = 80;
  Millis load_window{30000};
  Millis cooldown{300000};
  double load_margin = 10;
};

struct NodeConfig {
  std::string source;  // the file it came from (for messages)
  std::string id;
  std::string tier = "edge";
  std::string data_dir;
  Millis heartbeat{5000};
  Millis shutdown_timeout{5000};  // draining queues + flushing the outbox
  MqttSettings mqtt;
  OutboxSettings outbox;
  IngestSettings ingest;
  HttpSettings http;
  SupervisorSettings supervisor;
  UpdateSettings update;
  TrustSettings trust;
  RegistrySettings registry;
  MigrationSettings migration;
  PlacementSettings placement;
  std::vector<DeviceSettings> devices;
  std::vector<StageSettings> stages;
};

// Looks an environment variable up; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_environment();

// Replaces ${VAR} and ${VAR:-default} in TEXT. An unset VAR without a default
// is an error ("line N: ${VAR} is not set and has no default").
bool substitute_variables(const std::string& text, const EnvLookup& env, std::string* out,
                          std::string* error);

// "250ms", "10s", "5m", "1h", "2d" -> milliseconds.
std::optional<Millis> parse_duration(const std::string& text);

// One input source as written in `inputs`: "<stage>.<port>" (this node) or
// "<node>/<stage>/<port>" (remote); false when malformed. Also used by the
// stage.route command.
bool parse_source(const std::string& text, SourceSettings* out);

// Reads and checks PATH. On failure returns nullopt with *error like
// "edge-1.toml: stages[0].module: expected a string (path to .wasm or .so)".
std::optional<NodeConfig> load_node_config(const std::string& path, const EnvLookup& env,
                                           std::string* error);
// The same from text; relative paths resolve against base_dir.
std::optional<NodeConfig> parse_node_config(const std::string& text, const std::string& source_name,
                                            const std::string& base_dir, const EnvLookup& env,
                                            std::string* error);

}  // namespace continuum::node::agent
