#include "http_service.h"

#include <cstdio>

#include "continuum/adapters/storage.h"
#include "continuum/node/topics.h"
#include "http_secrets.h"

namespace continuum::node::agent {

bool HttpService::is_fleet_topic(const std::string& topic) {
  auto ends_with = [&](std::string_view leaf) {
    return topic.size() > leaf.size() && topic.compare(topic.size() - leaf.size(), leaf.size(), leaf) == 0;
  };
  const std::string root = std::string(topics::kRoot) + "/";
  return topic.rfind(root, 0) == 0 && topic.rfind(root + "data/", 0) != 0 && (ends_with("/status") || ends_with("/hb"));
}

std::unique_ptr<HttpService> HttpService::start(const NodeConfig& config, MessageBus& bus, IngestWorker* ingest,
                                                std::string* error, adapters::RegistrySources registry,
                                                adapters::HttpApiSources::MoveStage move_stage,
                                                adapters::HttpApiSources::RouteStage route_stage,
                                                adapters::HttpApiSources::PlaceStage place_stage) {
  std::unique_ptr<HttpService> service(new HttpService());
  adapters::HttpApiSources sources;
  sources.node_id = config.id;
  sources.fleet = &service->fleet_;
  if (ingest) {
    // Its own connection: API reads never wait behind ingest's writes (WAL).
    Status status;
    service->store_ = adapters::open_reading_store(config.ingest.storage, &status);
    if (!service->store_) {
      *error = config.source + ": http: cannot open the reading store for reading: " + status.message;
      return nullptr;
    }
    sources.ingest = ingest;
    sources.store = service->store_.get();
  }
  sources.bus_connected = [&bus] { return bus.connected(); };
  sources.registry = std::move(registry);
  sources.move_stage = std::move(move_stage);
  sources.route_stage = std::move(route_stage);
  sources.place_stage = std::move(place_stage);
  adapters::HttpApiConfig api;
  api.host = config.http.host;
  api.port = config.http.port;
  if (!resolve_http_access(config, &api, error)) return nullptr;
  Status status;
  service->api_ = adapters::HttpApi::start(api, std::move(sources), &status);
  if (!service->api_) {
    *error = config.source + ": " + status.message;
    return nullptr;
  }
  // Scripts (and `continuum up`) read the port from this line.
  std::fprintf(stderr, "http: listening on http://%s:%d\n", config.http.host.c_str(), service->api_->port());
  if (!api.web_root.empty())
    std::fprintf(stderr, "http: dashboard at http://%s:%d/ (files in %s)\n", config.http.host.c_str(),
                 service->api_->port(), api.web_root.c_str());
  else
    std::fprintf(stderr, "http: no dashboard files (build web/ with npm run build, or set [http] web_root)\n");
  std::fflush(stderr);
  return service;
}

HttpService::~HttpService() {
  if (api_) api_->stop();
}

}  // namespace continuum::node::agent
