// The node's [http] section at work: the HTTP API (adapters/http) over this
// node's fleet view, ingest and reading store. Kept out of agent.cc: the
// agent only forwards status/heartbeat messages and stored readings here.
#pragma once

#include <memory>
#include <string>

#include "continuum/adapters/http_api.h"
#include "continuum/node/agent/config.h"
#include "continuum/node/fleet.h"
#include "continuum/node/ingest.h"
#include "continuum/node/message_bus.h"

namespace continuum::node::agent {

class HttpService {
 public:
  // Opens a read connection to the store (when ingest is on), starts the
  // server and prints "http: listening on http://HOST:PORT" on stderr.
  // nullptr and *error when it cannot listen.
  // `registry`: the /api/modules endpoints when the node has [registry].
  static std::unique_ptr<HttpService> start(const NodeConfig& config, MessageBus& bus, IngestWorker* ingest,
                                            std::string* error, adapters::RegistrySources registry = {},
                                            adapters::HttpApiSources::MoveStage move_stage = {},
                                            adapters::HttpApiSources::RouteStage route_stage = {},
                                            adapters::HttpApiSources::PlaceStage place_stage = {});
  ~HttpService();

  // True for ctm/v1/<node>/status and ctm/v1/<node>/hb (the fleet view).
  static bool is_fleet_topic(const std::string& topic);
  void on_message(const Message& message) { api_->on_fleet_message(message); }
  void on_stored(const Reading& reading, int64_t received_ms) { api_->on_reading(reading, received_ms); }
  // An event of this node's own for the event stream (rollout progress).
  void publish_event(const std::string& kind, const std::string& node, const std::string& stage,
                     const std::string& json) {
    api_->publish_event(kind, node, stage, json);
  }
  int port() const { return api_->port(); }
  // The fleet view the API serves (statuses and heartbeats): what placing a new stage looks at.
  const FleetModel& fleet() const { return fleet_; }

 private:
  HttpService() = default;

  FleetModel fleet_;
  std::unique_ptr<ReadingStore> store_;
  std::unique_ptr<adapters::HttpApi> api_;
};

}  // namespace continuum::node::agent
