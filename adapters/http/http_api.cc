#include "continuum/adapters/http_api.h"

#include <httplib.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <thread>

#include "api_json.h"
#include "auth_routes.h"
#include "continuum/node/topics.h"
#include "continuum/node/event_log.h"
#include "continuum/node/fleet_events.h"
#include "event_hub.h"
#include "graph_json.h"
#include "metrics.h"
#include "registry_routes.h"
#include "route_helpers.h"
#include "move_routes.h"
#include "place_routes.h"
#include "route_change_routes.h"
#include "rollout_routes.h"
#include "series_query.h"
#include "static_files.h"
#include "continuum/node/wall_clock.h"

namespace continuum::adapters {

using nlohmann::json;
using node::Status;

namespace {

void reply_json(httplib::Response& res, const json& doc, int status = 200) { http::reply(res, doc, status); }

void reply_error(httplib::Response& res, int status, const std::string& message) {
  reply_json(res, {{"error", message}}, status);
}

// The server's threads: a stream client holds one for as long as it stays.
constexpr std::size_t kRequestThreads = 4;

json event_json(const node::FleetEvent& e) {
  json doc = {{"id", e.id}, {"ts_ms", e.ts_ms}, {"kind", e.kind}, {"severity", e.severity},
              {"node", e.node}, {"message", e.message}};
  if (!e.stage.empty()) doc["stage"] = e.stage;
  if (e.count > 0) doc["count"] = e.count;
  if (!e.client.empty()) doc["client"] = e.client;
  return doc;
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The <node> of ctm/v1/<node>/ota/status.
std::optional<std::string> ota_status_node(const std::string& topic) {
  const std::string root = std::string(node::topics::kRoot) + "/";
  if (topic.rfind(root, 0) != 0 || !ends_with(topic, "/ota/status")) return std::nullopt;
  std::string id = topic.substr(root.size(), topic.size() - root.size() - std::string_view("/ota/status").size());
  if (id.empty() || id.find('/') != std::string::npos) return std::nullopt;
  return id;
}

}  // namespace

class HttpApi::Impl {
 public:
  Impl(HttpApiConfig config, HttpApiSources sources)
      : config_(std::move(config)),
        sources_(std::move(sources)),
        hub_(config_.max_stream_clients),
        events_(config_.events_capacity),
        auth_(config_.auth, [this] { return sources_.now_ms(); },
              [this](const http::FailedLogin& f) { on_failed_login(f); }) {
    if (!sources_.now_ms) sources_.now_ms = node::wall_clock_ms;
  }

  Status start();
  void stop();
  int port() const { return port_; }
  const std::string& host() const { return config_.host; }
  void on_reading(const node::Reading& reading, int64_t received_ms);
  void on_fleet_message(const node::Message& message);
  void publish_event(const std::string& kind, const std::string& node, const std::string& stage,
                     const std::string& json) {
    hub_.publish(kind, node, stage, json);
  }

 private:
  void routes();
  void health(httplib::Response& res);
  void nodes(httplib::Response& res);
  void one_node(const httplib::Request& req, httplib::Response& res);
  void stages(httplib::Response& res);
  void series(const httplib::Request& req, httplib::Response& res);
  void series_list(httplib::Response& res);
  void latency(httplib::Response& res);
  void stream(const httplib::Request& req, httplib::Response& res);
  void metrics(httplib::Response& res);
  void events(const httplib::Request& req, httplib::Response& res);
  void graph(httplib::Response& res);
  void static_file(const httplib::Request& req, httplib::Response& res);
  void log_event(node::FleetEvent event);
  void on_failed_login(const http::FailedLogin& failure);
  void on_ota_status(const std::string& node, const std::string& payload);
  bool need_fleet(httplib::Response& res);
  bool need_store(httplib::Response& res);

  HttpApiConfig config_;
  HttpApiSources sources_;
  http::EventHub hub_;
  node::EventLog events_;
  http::AuthRoutes auth_;
  std::mutex ota_mutex_;
  std::map<std::string, std::string> last_ota_status_;  // node -> payload: retained statuses come again
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  int64_t started_ms_ = 0;
};

Status HttpApi::Impl::start() {
  started_ms_ = sources_.now_ms();
  const std::size_t threads = kRequestThreads + config_.max_stream_clients;
  server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  routes();
  if (config_.port == 0) {
    port_ = server_.bind_to_any_port(config_.host);
    if (port_ < 0) return Status::failure("http: cannot listen on " + config_.host + " (any port)");
  } else {
    if (!server_.bind_to_port(config_.host, config_.port))
      return Status::failure("http: cannot listen on " + config_.host + ":" + std::to_string(config_.port) +
                             " (port in use, or not an address of this host)");
    port_ = config_.port;
  }
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  return Status::success();
}

void HttpApi::Impl::stop() {
  hub_.close_all();
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

void HttpApi::Impl::routes() {
  // First: the access check before routing, and sign-in's own routes.
  auth_.install(server_);
  server_.Get("/api/health", [this](const httplib::Request&, httplib::Response& res) { health(res); });
  server_.Get("/api/nodes", [this](const httplib::Request&, httplib::Response& res) { nodes(res); });
  server_.Get(R"(/api/nodes/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) { one_node(req, res); });
  server_.Get("/api/stages", [this](const httplib::Request&, httplib::Response& res) { stages(res); });
  server_.Get("/api/series", [this](const httplib::Request& req, httplib::Response& res) { series(req, res); });
  server_.Get("/api/series/list", [this](const httplib::Request&, httplib::Response& res) { series_list(res); });
  server_.Get("/api/latency", [this](const httplib::Request&, httplib::Response& res) { latency(res); });
  server_.Get("/api/stream", [this](const httplib::Request& req, httplib::Response& res) { stream(req, res); });
  server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) { metrics(res); });
  server_.Get("/api/events", [this](const httplib::Request& req, httplib::Response& res) { events(req, res); });
  server_.Get("/api/graph", [this](const httplib::Request&, httplib::Response& res) { graph(res); });
  if (sources_.registry.modules) http::add_registry_routes(server_, sources_.registry);
  if (sources_.registry.deploy) http::add_rollout_routes(server_, sources_.registry, sources_.fleet);
  if (sources_.move_stage) http::add_move_routes(server_, sources_.move_stage, sources_.fleet);
  if (sources_.route_stage) http::add_route_change_routes(server_, sources_.route_stage, sources_.fleet);
  if (sources_.place_stage) http::add_place_routes(server_, sources_.place_stage);
  // The dashboard: every GET outside /api/ (and /metrics, matched above).
  server_.Get(R"(/(?!api/|api$).*)", [this](const httplib::Request& req, httplib::Response& res) { static_file(req, res); });
  // Anything else, and any error without a body of ours: JSON too.
  server_.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 404) reply_error(res, 404, "no such endpoint: " + req.method + " " + req.path + " (see docs/api.md)");
    // cpp-httplib (0.11: 400, later: 411) refuses a POST without
    // Content-Length before routing, so no route can accept it: say why.
    else if (res.status == 411 || (res.status == 400 && req.method == "POST" && !req.has_header("Content-Length") &&
                                   !req.has_header("Transfer-Encoding")))
      reply_error(res, res.status, "a POST needs a Content-Length header, even without a body (send Content-Length: 0, "
                                   "e.g. curl -d '' ...)");
    else reply_error(res, res.status, "request failed with HTTP " + std::to_string(res.status));
  });
  server_.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "internal error";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what += std::string(": ") + e.what();
    } catch (...) {
    }
    reply_error(res, 500, what);
  });
}

bool HttpApi::Impl::need_fleet(httplib::Response& res) {
  if (sources_.fleet) return true;
  reply_error(res, 404, "this node keeps no fleet view");
  return false;
}

bool HttpApi::Impl::need_store(httplib::Response& res) {
  if (sources_.store && sources_.ingest) return true;
  reply_error(res, 404, "this node stores no readings (no [ingest] section in its config)");
  return false;
}

void HttpApi::Impl::health(httplib::Response& res) {
  const int64_t now = sources_.now_ms();
  json doc = {{"status", "ok"},
              {"node", sources_.node_id},
              {"uptime_s", static_cast<double>(now - started_ms_) / 1000.0},
              {"now_ms", now},
              {"mqtt_connected", sources_.bus_connected ? sources_.bus_connected() : false},
              {"ingest", sources_.ingest != nullptr}};
  if (sources_.ingest) doc["readings_stored"] = sources_.ingest->counters().stored;
  if (sources_.fleet) doc["nodes"] = sources_.fleet->nodes().size();
  reply_json(res, doc);
}

void HttpApi::Impl::nodes(httplib::Response& res) {
  if (!need_fleet(res)) return;
  const int64_t now = sources_.now_ms();
  json out = json::array();
  for (const node::NodeView& n : sources_.fleet->nodes()) out.push_back(http::node_json(n, now));
  reply_json(res, out);
}

void HttpApi::Impl::one_node(const httplib::Request& req, httplib::Response& res) {
  if (!need_fleet(res)) return;
  const std::string id = req.matches[1];
  std::optional<node::NodeView> n = sources_.fleet->node(id);
  if (!n) return reply_error(res, 404, "unknown node \"" + id + "\" (no status or heartbeat seen from it)");
  reply_json(res, http::node_json(*n, sources_.now_ms()));
}

void HttpApi::Impl::stages(httplib::Response& res) {
  if (!need_fleet(res)) return;
  json out = json::array();
  for (const node::NodeView& n : sources_.fleet->nodes()) {
    for (const node::StageView& s : n.stages) {
      json stage = http::stage_json(s);
      stage["node"] = n.id;
      out.push_back(stage);
    }
  }
  reply_json(res, out);
}

void HttpApi::Impl::series(const httplib::Request& req, httplib::Response& res) {
  if (!need_store(res)) return;
  auto param = [&req](const std::string& name) -> std::optional<std::string> {
    if (!req.has_param(name)) return std::nullopt;
    return req.get_param_value(name);
  };
  std::string error;
  std::optional<http::SeriesQuery> q = http::parse_series_query(param, sources_.now_ms(), config_.max_points, &error);
  if (!q) return reply_error(res, 400, error);
  json doc = {{"node", q->node}, {"stage", q->stage}, {"from", q->from_ms}, {"to", q->to_ms}};
  if (!q->field.empty()) doc["field"] = q->field;
  json points = json::array();
  if (q->bucket_ms > 0) {
    doc["bucket_ms"] = q->bucket_ms;
    doc["agg"] = http::aggregate_name(q->agg);
    for (const node::Bucket& b : sources_.store->aggregate(q->node, q->stage, q->field, {q->from_ms, q->to_ms}, q->bucket_ms)) {
      double value = b.mean;
      if (q->agg == http::Aggregate::kMin) value = b.min;
      else if (q->agg == http::Aggregate::kMax) value = b.max;
      else if (q->agg == http::Aggregate::kCount) value = static_cast<double>(b.count);
      points.push_back({{"ts", b.start_ms}, {"value", value}, {"count", b.count}});
    }
  } else {
    // Counted first (an index lookup in SQLite), so a huge range is
    // refused before it is loaded.
    const uint64_t total = sources_.store->count_range(q->node, q->stage, {q->from_ms, q->to_ms});
    if (total > config_.max_points)
      return reply_error(res, 400, "the range holds " + std::to_string(total) + " readings (at most " +
                                       std::to_string(config_.max_points) +
                                       "); narrow from/to, or aggregate a field with bucket=, e.g. &field=value&bucket=10s");
    std::vector<node::StoredReading> rows = sources_.store->range(q->node, q->stage, {q->from_ms, q->to_ms});
    for (const node::StoredReading& row : rows) {
      if (q->field.empty()) {
        json reading = http::reading_json(row.reading, row.received_ms);
        points.push_back({{"ts", row.reading.ts_ms}, {"seq", row.reading.seq}, {"values", reading["values"]}});
        continue;
      }
      for (const auto& [name, value] : row.reading.values)
        if (name == q->field) points.push_back({{"ts", row.reading.ts_ms}, {"seq", row.reading.seq}, {"value", value}});
    }
  }
  doc["count"] = points.size();
  doc["points"] = std::move(points);
  reply_json(res, doc);
}

void HttpApi::Impl::series_list(httplib::Response& res) {
  if (!need_store(res)) return;
  std::optional<std::vector<node::SeriesKey>> keys = sources_.store->series();
  if (!keys) return reply_error(res, 404, "this storage backend cannot list its series: " + sources_.store->last_error());
  json out = json::array();
  for (const node::SeriesKey& k : *keys) out.push_back({{"node", k.node}, {"stage", k.stage}, {"field", k.field}});
  reply_json(res, out);
}

void HttpApi::Impl::latency(httplib::Response& res) {
  if (!sources_.ingest) return reply_error(res, 404, "this node measures no latency (no [ingest] section in its config)");
  reply_json(res, http::latency_json(sources_.ingest->latency()));
}

void HttpApi::Impl::stream(const httplib::Request& req, httplib::Response& res) {
  std::shared_ptr<http::EventHub::Client> client =
      hub_.subscribe(req.get_param_value("node"), req.get_param_value("stage"), config_.stream_queue);
  if (!client)
    return reply_error(res, 503, "too many stream clients (at most " + std::to_string(config_.max_stream_clients) + ")");
  res.set_header("Cache-Control", "no-cache");
  const int64_t keepalive = config_.keepalive_ms;
  res.set_chunked_content_provider(
      "text/event-stream",
      [client, keepalive](size_t, httplib::DataSink& sink) {
        std::optional<std::string> chunk = http::EventHub::next(*client, keepalive);
        if (!chunk) return false;  // the server stops
        return sink.write(chunk->data(), chunk->size());  // false: the client left
      },
      [this, client](bool) { hub_.unsubscribe(client); });
  // The first bytes at once, so the client knows it is subscribed.
  std::lock_guard lock(client->mutex);
  client->queue.push_front(": subscribed\n\n");
}

void HttpApi::Impl::metrics(httplib::Response& res) {
  http::MetricsInput in;
  if (sources_.ingest) {
    in.ingest = sources_.ingest->counters();
    in.latency = sources_.ingest->latency();
  }
  if (sources_.fleet) {
    in.nodes = sources_.fleet->nodes();
    in.fleet = sources_.fleet->counters();
  }
  in.stream_clients = hub_.clients();
  in.stream_dropped = hub_.dropped_total();
  res.set_content(http::render_metrics(in), http::kMetricsContentType);
}

void HttpApi::Impl::events(const httplib::Request& req, httplib::Response& res) {
  auto number = [&req](const char* name, uint64_t fallback, uint64_t max, std::string* error) -> uint64_t {
    if (!req.has_param(name)) return fallback;
    const std::string text = req.get_param_value(name);
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value > max)
      *error = std::string(name) + ": expected a whole number from 0 to " + std::to_string(max) + ", got \"" + text + "\"";
    return value;
  };
  std::string error;
  const uint64_t limit = number("limit", 100, 1000, &error);
  const uint64_t since = number("since", 0, UINT64_MAX, &error);
  if (error.empty() && limit == 0) error = "limit: expected a whole number from 1 to 1000, got \"0\"";
  if (!error.empty()) return reply_error(res, 400, error);
  const std::string node = req.get_param_value("node");
  std::vector<node::FleetEvent> found =
      req.has_param("since") ? events_.after(since, limit, node) : events_.latest(limit, node);
  json list = json::array();
  for (const node::FleetEvent& e : found) list.push_back(event_json(e));
  const uint64_t next = found.empty() ? (req.has_param("since") ? since : events_.last_id()) : found.back().id;
  reply_json(res, {{"events", list}, {"next", next}, {"oldest", events_.oldest_id()}});
}

void HttpApi::Impl::graph(httplib::Response& res) {
  if (!need_fleet(res)) return;
  std::vector<node::NodeView> nodes = sources_.fleet->nodes();
  if (sources_.ingest) {
    // This node's own ingest is a sink even before (or without) its own
    // heartbeat coming back to it.
    auto self = std::find_if(nodes.begin(), nodes.end(), [&](const node::NodeView& n) { return n.id == sources_.node_id; });
    if (self == nodes.end()) {
      node::NodeView n;
      n.id = sources_.node_id;
      n.state = "online";
      nodes.push_back(n);
      self = nodes.end() - 1;
    }
    self->ingest = true;
  }
  reply_json(res, http::graph_json(nodes));
}

void HttpApi::Impl::static_file(const httplib::Request& req, httplib::Response& res) {
  if (config_.web_root.empty())
    return reply_error(res, 404, "no dashboard files: build them with npm run build in web/ or set [http] web_root");
  std::optional<http::StaticFile> file = http::resolve_static_file(config_.web_root, req.path);
  if (!file) return reply_error(res, 404, "no such file: " + req.path);
  std::ifstream in(file->path, std::ios::binary);
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) return reply_error(res, 500, "cannot read " + req.path);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Cache-Control", "no-cache");
  res.set_content(std::move(body), file->mime_type);
}

void HttpApi::Impl::log_event(node::FleetEvent event) {
  node::FleetEvent stored = events_.add(std::move(event));
  hub_.publish("log", stored.node, "", http::dump(event_json(stored)));
}

void HttpApi::Impl::on_failed_login(const http::FailedLogin& f) {
  node::FleetEvent e;
  e.ts_ms = sources_.now_ms();
  e.kind = "login-failed";
  e.severity = "warning";
  e.client = f.client;
  e.count = f.in_a_row;
  e.message = "failed sign-in from " + f.client + " (" + std::to_string(f.in_a_row) + " in a row)";
  log_event(std::move(e));
}

void HttpApi::Impl::on_ota_status(const std::string& node, const std::string& payload) {
  {
    // The status is retained: a reconnect or a second subscription brings
    // the same message again, which is no new event.
    std::lock_guard lock(ota_mutex_);
    std::string& last = last_ota_status_[node];
    if (last == payload) return;
    last = payload;
  }
  if (std::optional<node::FleetEvent> e = node::event_from_ota_status(node, payload, sources_.now_ms()))
    log_event(std::move(*e));
}

void HttpApi::Impl::on_reading(const node::Reading& reading, int64_t received_ms) {
  hub_.publish("reading", reading.node, reading.stage, http::dump(http::reading_json(reading, received_ms)));
}

void HttpApi::Impl::on_fleet_message(const node::Message& message) {
  if (std::optional<std::string> node = ota_status_node(message.topic)) return on_ota_status(*node, message.payload);
  if (!sources_.fleet) return;
  const int64_t now = sources_.now_ms();
  // Called from the bus thread only, so `before` is the view this message changes.
  std::optional<node::NodeView> before;
  for (const char* leaf : {"/status", "/hb"}) {
    const std::string root = std::string(node::topics::kRoot) + "/";
    if (message.topic.rfind(root, 0) == 0 && ends_with(message.topic, leaf))
      before = sources_.fleet->node(message.topic.substr(root.size(), message.topic.size() - root.size() - std::strlen(leaf)));
  }
  node::FleetUpdate update = sources_.fleet->handle(message.topic, message.payload, now);
  if (update.kind == node::FleetUpdate::Kind::kNone) return;
  std::optional<node::NodeView> n = sources_.fleet->node(update.node);
  if (!n) return;
  if (update.kind == node::FleetUpdate::Kind::kStatus) {
    hub_.publish("status", n->id, "", http::dump({{"node", n->id}, {"state", n->state}, {"changed", update.state_changed}}));
    for (node::FleetEvent& e : node::events_from_status(before, *n, now)) log_event(std::move(e));
  } else {
    hub_.publish("heartbeat", n->id, "", http::dump(http::node_json(*n, now)));
    for (node::FleetEvent& e : node::events_from_heartbeat(before, *n, now)) log_event(std::move(e));
  }
}

std::unique_ptr<HttpApi> HttpApi::start(HttpApiConfig config, HttpApiSources sources, Status* status) {
  auto impl = std::make_unique<Impl>(std::move(config), std::move(sources));
  Status started = impl->start();
  if (status) *status = started;
  if (!started) return nullptr;
  return std::unique_ptr<HttpApi>(new HttpApi(std::move(impl)));
}

HttpApi::HttpApi(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpApi::~HttpApi() { stop(); }
int HttpApi::port() const { return impl_->port(); }
const std::string& HttpApi::host() const { return impl_->host(); }
void HttpApi::stop() { impl_->stop(); }
void HttpApi::on_reading(const node::Reading& reading, int64_t received_ms) { impl_->on_reading(reading, received_ms); }
void HttpApi::on_fleet_message(const node::Message& message) { impl_->on_fleet_message(message); }
void HttpApi::publish_event(const std::string& kind, const std::string& node, const std::string& stage,
                            const std::string& json) {
  impl_->publish_event(kind, node, stage, json);
}

}  // namespace continuum::adapters
