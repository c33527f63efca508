// HttpApi: the cloud node's HTTP API (docs/api.md) over cpp-httplib: fleet,
// stages, stored series, latency percentiles, a server-sent event stream and
// Prometheus metrics. It reads what the node core already keeps (FleetModel,
// IngestWorker, ReadingStore) and never writes anything, except through the
// /api/modules endpoints of a [registry] node (RegistrySources: uploads and
// OTA offers, registry_routes.cc).
//
// Threads: httplib's own pool serves requests; on_reading()/on_fleet_message()
// are called from the bus thread and only queue events (a slow stream client
// loses events, counted, and never blocks ingest).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "continuum/node/fleet.h"
#include "continuum/node/ingest.h"
#include "continuum/node/message_bus.h"
#include "continuum/node/reading.h"
#include "continuum/node/reading_store.h"
#include "continuum/node/status.h"
#include "continuum/ota/module_registry.h"
#include "continuum/ota/registry_intake.h"
#include "continuum/ota/transfer_protocol.h"

namespace continuum::adapters {

// Sign-in and access (docs/api.md "Sign-in, sessions and tokens"). With
// neither a password hash nor a token nothing can write.
struct HttpAuthConfig {
  std::string admin_password_hash;  // adapters/crypto password_hash.h encoding; empty: no sign-in
  std::string api_token;            // Authorization: Bearer; empty: none
  bool public_reads = true;         // read_access = "public"
  int64_t session_ttl_ms = 12 * 3600 * 1000;
  std::size_t max_sessions = 1000;
  bool cookie_secure = false;       // always add Secure (a TLS proxy in front)
  int64_t login_base_delay_ms = 500;  // after the first failure; doubles per failure
  int64_t login_max_delay_ms = 60'000;
};

struct HttpApiConfig {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (HttpApi::port() tells which)
  int64_t keepalive_ms = 15'000;       // SSE comment when a stream is idle this long
  std::size_t stream_queue = 1000;     // events buffered per stream client before dropping
  std::size_t max_stream_clients = 8;  // each holds one server thread
  std::size_t max_points = 10'000;     // per /api/series answer
  HttpAuthConfig auth;
  std::string web_root;                // the dashboard's files served at /; empty: none
  std::size_t events_capacity = 1000;  // the events log ring (/api/events)
};

// POST /api/modules/sign: an unsigned module to sign with the registry's
// deployment key and register (docs/api.md).
struct SignRequest {
  std::string name, version;
  std::vector<std::string> grants;
  bool allow_downgrade = false;
};
struct SignOutcome {
  // Set when refused before registering: "bad-grant", "already-signed",
  // "unknown-import", "malformed", "empty", "no-signing-key"; `message` says why.
  std::string refusal, message;
  ota::IntakeOutcome intake;  // the registration (when not refused before)
  std::string key_id;         // the deployment key that signed
};

// The /api/modules endpoints (a node with [registry]; docs/api.md "Module
// registry"). modules null: no such endpoints (404 like any unknown path).
struct RegistrySources {
  ota::ModuleRegistry* modules = nullptr;
  // Checks and adds an uploaded module (ota::admit_module with the trust store).
  std::function<ota::IntakeOutcome(std::string_view module, bool allow_downgrade)> admit;
  // Starts an OTA offer of a registered module to a node (docs/ota.md).
  std::function<std::optional<ota::Offer>(const std::string& node, const std::string& sha256, bool allow_downgrade,
                                          std::string* error)>
      offer;
  // Deploy and rollback across nodes (POST /api/stages/<stage>/deploy and
  // /rollback, GET /api/rollouts[/<id>]; rollout_routes.cc). The routes pick
  // the target nodes from the fleet view; these start the rollout and return
  // its JSON (ota::rollout_json), or nullopt and *error.
  std::function<std::optional<std::string>(const std::string& stage, const std::string& sha256,
                                           const std::vector<std::string>& nodes, bool allow_downgrade,
                                           std::string* error)>
      deploy;
  std::function<std::optional<std::string>(const std::string& stage, const std::vector<std::string>& nodes,
                                           std::string* error)>
      rollback;
  std::function<std::optional<std::string>(const std::string& id)> rollout;  // nullopt: unknown id
  std::function<std::string()> rollouts;                                     // JSON array, oldest first
  // Signs and registers (POST /api/modules/sign); empty: 503 no-signing-key.
  std::function<SignOutcome(std::string_view module, const SignRequest& request)> sign;
};

// What the API reads. Any pointer may be null: its endpoints then answer 404
// with a message saying what the node lacks (e.g. no [ingest] section).
struct HttpApiSources {
  std::string node_id;
  node::FleetModel* fleet = nullptr;
  node::IngestWorker* ingest = nullptr;
  node::ReadingStore* store = nullptr;  // read only; its own connection is best
  std::function<bool()> bus_connected;
  std::function<int64_t()> now_ms;      // default: system clock (ms since the epoch)
  RegistrySources registry;
  // POST /api/stages/<stage>/move (move_routes.cc, docs/migration.md): asks
  // node FROM to move STAGE to node TO (stage.migrate) and waits; the
  // source's result as JSON text, or nullopt and *error. Empty: no route.
  using MoveStage = std::function<std::optional<std::string>(const std::string& from, const std::string& stage,
                                                             const std::string& to, std::string* error)>;
  MoveStage move_stage;
  // POST /api/stages/<stage>/route (route_change_routes.cc): asks NODE to
  // rewire STAGE's input port INPUT to SOURCES (stage.route);
  // the node's result as JSON text, or nullopt and *error. Empty: no route.
  using RouteStage = std::function<std::optional<std::string>(const std::string& node, const std::string& stage,
                                                              const std::string& input,
                                                              const std::vector<std::string>& sources, std::string* error)>;
  RouteStage route_stage;
  // POST /api/stages/<stage>/place (place_routes.cc, docs/migration.md
  // "Placement"): places a new stage; BODY is the request (JSON text); sets
  // *status (201, 400, 404, 409, ...) and returns the answer's JSON text.
  // Empty: no route (a node without [registry]).
  using PlaceStage = std::function<std::string(const std::string& stage, const std::string& body, int* status)>;
  PlaceStage place_stage;
};

class HttpApi {
 public:
  // Binds and starts serving; nullptr and *status on failure (port taken...).
  static std::unique_ptr<HttpApi> start(HttpApiConfig config, HttpApiSources sources, node::Status* status);
  ~HttpApi();  // stop()
  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;

  int port() const;
  const std::string& host() const;
  // Ends every event stream, stops the server and joins its thread.
  void stop();

  // A reading ingest just stored: a `reading` event for matching streams.
  void on_reading(const node::Reading& reading, int64_t received_ms);
  // A status or heartbeat message: updates the fleet model and sends the
  // `status` / `heartbeat` event, and the events-log entries it causes.
  // An ota/status message (ctm/v1/<node>/ota/status) adds its log entry.
  void on_fleet_message(const node::Message& message);
  // An event of the node's own for the /api/stream clients (e.g. `rollout`
  // progress: docs/api.md "Deploy and rollback").
  void publish_event(const std::string& kind, const std::string& node, const std::string& stage,
                     const std::string& json);

  class Impl;

 private:
  explicit HttpApi(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace continuum::adapters
