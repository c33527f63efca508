#include "continuum/node/up/monitor.h"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "continuum/adapters/mqtt_bus.h"

namespace continuum::node::up {
namespace {

// "ctm/v1/<node>/<kind>" -> node, kind.
bool split_topic(const std::string& topic, std::string* node, std::string* kind) {
  const std::string root = "ctm/v1/";
  if (topic.rfind(root, 0) != 0) return false;
  std::string rest = topic.substr(root.size());
  std::size_t slash = rest.find('/');
  if (slash == std::string::npos) return false;
  *node = rest.substr(0, slash);
  *kind = rest.substr(slash + 1);
  return true;
}

template <typename T>
T number(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return T{};
  return it->get<T>();
}

}  // namespace

HeartbeatMonitor::HeartbeatMonitor() = default;
HeartbeatMonitor::~HeartbeatMonitor() { stop(); }

void HeartbeatMonitor::start(const std::string& host, int port) {
  adapters::MqttConfig c;
  c.host = host;
  c.port = port;
  c.client_id = "ctm-up-monitor-" + std::to_string(::getpid());  // several `up` may share a broker
  c.keepalive_s = 10;
  c.reconnect_delay_max_s = 2;  // back quickly after a broker outage
  bus_ = std::make_unique<adapters::MqttBus>(c);
  bus_->set_message_handler([this](const node::Message& m) { on_message(m.topic, m.payload); });
  bus_->subscribe("ctm/v1/+/hb", 0);
  bus_->subscribe("ctm/v1/+/status", 1);
  bus_->start();  // an unreachable broker is retried in the background
}

void HeartbeatMonitor::stop() {
  if (!bus_) return;
  bus_->stop();
  bus_->set_message_handler({});
}

void HeartbeatMonitor::on_message(const std::string& topic, const std::string& payload) {
  std::string node, kind;
  if (!split_topic(topic, &node, &kind)) return;
  std::lock_guard<std::mutex> lock(mutex_);
  NodeFigures& n = nodes_[node];
  if (kind == "status") {
    // "online"/"offline", plain or as {"status": ...}.
    nlohmann::json j = nlohmann::json::parse(payload, nullptr, false);
    std::string status = payload;
    if (j.is_object() && j.contains("status") && j["status"].is_string()) status = j["status"].get<std::string>();
    if (j.is_object() && j.contains("state") && j["state"].is_string()) status = j["state"].get<std::string>();
    n.online = status == "online";
    return;
  }
  if (kind != "hb") return;
  nlohmann::json j = nlohmann::json::parse(payload, nullptr, false);
  if (!j.is_object()) return;
  n.heard = true;
  n.online = true;  // a heartbeat is proof enough
  if (j.contains("outbox") && j["outbox"].is_object()) n.outbox_depth = number<uint64_t>(j["outbox"], "depth");
  if (j.contains("stage_stats") && j["stage_stats"].is_object()) {
    for (auto& [name, s] : j["stage_stats"].items()) {
      if (!s.is_object()) continue;
      StageFigures f;
      f.delivered = number<uint64_t>(s, "delivered");
      f.emitted = number<uint64_t>(s, "emitted");
      f.dropped = number<uint64_t>(s, "dropped");
      f.queue = number<uint64_t>(s, "queue");
      f.traps = number<uint64_t>(s, "traps");
      f.restarts = number<uint64_t>(s, "restarts");
      f.in_per_s = number<double>(s, "in_per_s");
      f.out_per_s = number<double>(s, "out_per_s");
      n.stages[name] = f;
    }
  }
}

std::map<std::string, NodeFigures> HeartbeatMonitor::nodes() {
  std::lock_guard<std::mutex> lock(mutex_);
  return nodes_;
}

Percentiles percentiles(std::vector<double> v) {
  Percentiles p;
  p.count = v.size();
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  // Nearest rank: the smallest value with at least q of the values at or below it.
  auto rank = [&](double q) { return v[std::min(v.size() - 1, size_t(std::ceil(q * double(v.size()))) - 1)]; };
  p.p50 = rank(0.50);
  p.p95 = rank(0.95);
  p.p99 = rank(0.99);
  p.max = v.back();
  return p;
}

StoreReader::~StoreReader() {
  if (db_) sqlite3_close(db_);
}

bool StoreReader::open() {
  if (db_) return true;
  if (path_.empty()) return false;
  std::ifstream exists(path_);
  if (!exists) return false;  // not created yet: do not create it read-only
  if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db_);
    db_ = nullptr;
    return false;
  }
  sqlite3_busy_timeout(db_, 2000);
  return true;
}

namespace {

// Runs SQL with int64 parameters; calls row(stmt) per row. False on error
// (no table yet, busy).
template <typename Row>
bool query(sqlite3* db, const char* sql, std::initializer_list<int64_t> params, Row row) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) return false;
  int i = 1;
  for (int64_t p : params) sqlite3_bind_int64(st, i++, p);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) row(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE;
}

std::string text(sqlite3_stmt* st, int col) {
  const unsigned char* t = sqlite3_column_text(st, col);
  return t ? reinterpret_cast<const char*>(t) : "";
}

}  // namespace

std::vector<double> StoreReader::latencies_since(int64_t since_ms) {
  std::vector<double> out;
  if (!open()) return out;
  query(db_, "SELECT received_ms - ts_ms FROM readings WHERE received_ms >= ?", {since_ms},
        [&](sqlite3_stmt* st) { out.push_back(double(sqlite3_column_int64(st, 0))); });
  return out;
}

std::vector<SeriesCount> StoreReader::series() {
  std::vector<SeriesCount> out;
  if (!open()) return out;
  query(db_,
        "SELECT node, stage, COUNT(*), COUNT(DISTINCT seq), MAX(seq) FROM readings GROUP BY node, stage "
        "ORDER BY node, stage",
        {}, [&](sqlite3_stmt* st) {
          SeriesCount c;
          c.node = text(st, 0);
          c.stage = text(st, 1);
          c.rows = uint64_t(sqlite3_column_int64(st, 2));
          c.distinct_seq = uint64_t(sqlite3_column_int64(st, 3));
          c.max_seq = sqlite3_column_int64(st, 4);
          out.push_back(c);
        });
  return out;
}

uint64_t StoreReader::distinct_seq_below(const std::string& node, const std::string& stage, uint64_t below) {
  if (!open()) return 0;
  uint64_t n = 0;
  sqlite3_stmt* st = nullptr;
  const char* sql = "SELECT COUNT(DISTINCT seq) FROM readings WHERE node = ? AND stage = ? AND seq >= 0 AND seq < ?";
  if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK) return 0;
  sqlite3_bind_text(st, 1, node.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, stage.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 3, int64_t(below));
  if (sqlite3_step(st) == SQLITE_ROW) n = uint64_t(sqlite3_column_int64(st, 0));
  sqlite3_finalize(st);
  return n;
}

std::map<std::string, std::vector<double>> StoreReader::hop_latencies() {
  std::map<std::string, std::vector<double>> legs;
  if (!open()) return legs;
  query(db_, "SELECT node, stage, ts_ms, received_ms, hops FROM readings", {}, [&](sqlite3_stmt* st) {
    std::string emitter = text(st, 0) + "/" + text(st, 1);
    int64_t ts = sqlite3_column_int64(st, 2), received = sqlite3_column_int64(st, 3);
    nlohmann::json hops = nlohmann::json::parse(text(st, 4), nullptr, false);
    // The same leg names as the ingest worker's, so the summary and the
    // cloud's /api/latency agree (docs/protocol.md, "Latency"): a point is
    // where the reading was -- the emitter's "<node>/<stage>" for a reading
    // without hops (it took ts), else "origin" (ts was inherited); each
    // hop's "<node>/<stage>" (when the input arrived there); "ingest".
    bool has_hops = hops.is_array() && !hops.empty();
    std::string from = has_hops ? "origin" : emitter;
    int64_t from_ts = ts;
    if (has_hops) {
      for (const nlohmann::json& h : hops) {
        if (!h.is_object() || !h.contains("node") || !h.contains("ts") || !h["ts"].is_number()) continue;
        std::string to = h["node"].is_string() ? h["node"].get<std::string>() : "?";
        if (h.contains("stage") && h["stage"].is_string() && !h["stage"].get<std::string>().empty())
          to += "/" + h["stage"].get<std::string>();
        int64_t at = h["ts"].get<int64_t>();
        legs[from + "->" + to].push_back(double(at - from_ts));
        from = to;
        from_ts = at;
      }
    }
    legs[from + "->ingest"].push_back(double(received - from_ts));
  });
  return legs;
}

uint64_t StoreReader::total_rows() {
  uint64_t n = 0;
  if (!open()) return 0;
  query(db_, "SELECT COUNT(*) FROM readings", {}, [&](sqlite3_stmt* st) { n = uint64_t(sqlite3_column_int64(st, 0)); });
  return n;
}

uint64_t emitted_seq_count(const std::string& data_dir, const std::string& stage) {
  std::ifstream in(data_dir + "/seq/" + stage);
  uint64_t next = 0;
  if (in >> next) return next;
  return 0;
}

}  // namespace continuum::node::up
