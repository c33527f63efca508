// The HTTP API end to end: a cloud node (`continuum node`, [http] port 0,
// SQLite ingest) and an edge node over a real mosquitto, queried with real
// HTTP requests; then `continuum stats` against it.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "continuum/node/agent/agent.h"
#include "support/node_toml.h"
#include "support/poll.h"
#include "support/run_program.h"
#include "support/server_process.h"

namespace continuum::node::agent {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

using testing::eventually;
using testing::parse_config;

using continuum::testing::read_file;

std::string edge_config(const std::string& dir, int broker_port) {
  return "[node]\nid = \"edge-1\"\ndata_dir = \"" + dir + "\"\nheartbeat = \"100ms\"\n[mqtt]\nport = " +
         std::to_string(broker_port) +
         testing::simulated_field_control(IRRIGATION_CONTROL_WASM, "50ms", "publish = [\"readings\"]\n");
}

class Api {
 public:
  explicit Api(int port) : client_("127.0.0.1", port) { client_.set_read_timeout(30, 0); }
  // GET; the status, and the body parsed as JSON (discarded when it is not).
  std::pair<int, json> get(const std::string& path) {
    httplib::Result r = client_.Get(path.c_str());
    if (!r) return {0, json::value_t::discarded};
    return {r->status, json::parse(r->body, nullptr, false)};
  }
  std::string text(const std::string& path, std::string* content_type = nullptr) {
    httplib::Result r = client_.Get(path.c_str());
    if (!r) return "";
    if (content_type) *content_type = r->get_header_value("Content-Type");
    return r->body;
  }

 private:
  httplib::Client client_;
};

const json* find_node(const json& nodes, const std::string& id) {
  if (!nodes.is_array()) return nullptr;
  for (const json& n : nodes)
    if (n.is_object() && n.value("id", "") == id) return &n;
  return nullptr;
}

TEST(HttpApi, CloudNodeServesFleetSeriesLatencyStreamAndMetrics) {
  testing::MosquittoServer broker;
  ASSERT_TRUE(broker.start()) << broker.log();
  testing::TempDir cloud_dir, edge_dir;
  const std::filesystem::path cloud_toml = cloud_dir.path() / "cloud-1.toml";
  std::ofstream(cloud_toml) << "[node]\nid = \"cloud-1\"\ntier = \"cloud\"\ndata_dir = \"" << cloud_dir.path().string()
                            << "\"\nheartbeat = \"200ms\"\n[mqtt]\nport = " << broker.port()
                            << "\n[ingest]\nbackend = \"sqlite\"\n[http]\nport = 0\n";
  const std::filesystem::path cloud_log = cloud_dir.path() / "cloud.log";
  testing::ChildProcess cloud;
  ASSERT_TRUE(cloud.start({CONTINUUM_BIN, "node", "--config", cloud_toml.string()}, cloud_log.string()));

  // The documented line gives the port.
  int port = 0;
  const std::regex listening(R"(http: listening on http://127\.0\.0\.1:(\d+)\n)");
  ASSERT_TRUE(eventually([&] {
    std::smatch m;
    std::string log = read_file(cloud_log);
    if (!std::regex_search(log, m, listening)) return false;
    port = std::stoi(m[1]);
    return true;
  })) << read_file(cloud_log);
  ASSERT_GT(port, 0);
  Api api(port);
  auto [health_status, health] = api.get("/api/health");
  ASSERT_EQ(health_status, 200);
  EXPECT_EQ(health["status"], "ok");
  EXPECT_EQ(health["node"], "cloud-1");

  // An event stream open before the edge starts must see a reading.
  std::atomic<bool> saw_reading{false};
  std::mutex stream_mutex;
  std::string stream_text;
  std::thread stream([&] {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(60, 0);
    c.Get("/api/stream?node=edge-1&stage=control", [&](const char* data, size_t length) {
      std::lock_guard lock(stream_mutex);
      stream_text.append(data, length);
      if (stream_text.find("event: reading\ndata: ") != std::string::npos) saw_reading = true;
      return !saw_reading.load();
    });
  });

  std::string error;
  std::unique_ptr<Agent> edge = Agent::start(parse_config(edge_config(edge_dir.path().string(), broker.port())), &error);
  ASSERT_TRUE(edge) << error;
  ASSERT_TRUE(eventually([&] { return api.get("/api/health").second.value("readings_stored", 0) >= 10; }))
      << read_file(cloud_log);
  ASSERT_TRUE(eventually([&] { return saw_reading.load(); }));
  stream.join();
  {
    // The event's data is one reading as stored, of the filtered stage.
    std::size_t at = stream_text.find("event: reading\ndata: ") + std::strlen("event: reading\ndata: ");
    json event = json::parse(stream_text.substr(at, stream_text.find('\n', at) - at));
    EXPECT_EQ(event["node"], "edge-1");
    EXPECT_EQ(event["stage"], "control");
    EXPECT_TRUE(event["values"].contains("value"));
  }

  // Both nodes online, the edge with its stage, counters and rates.
  ASSERT_TRUE(eventually([&] {
    json nodes = api.get("/api/nodes").second;
    const json* e = find_node(nodes, "edge-1");
    const json* c = find_node(nodes, "cloud-1");
    return e && c && (*e)["state"] == "online" && (*c)["state"] == "online" && !(*e)["stages"].empty() &&
           (*c)["tier"] == "cloud";
  })) << api.get("/api/nodes").second.dump();
  auto [edge_status, edge_view] = api.get("/api/nodes/edge-1");
  ASSERT_EQ(edge_status, 200);
  EXPECT_EQ(edge_view["tier"], "edge");
  EXPECT_EQ(edge_view["stages"][0]["name"], "control");
  EXPECT_GT(edge_view["stages"][0]["counters"]["emitted"].get<double>(), 0);
  EXPECT_TRUE(edge_view["stages"][0]["rates"].contains("out_per_s"));
  json stages = api.get("/api/stages").second;
  ASSERT_TRUE(stages.is_array());
  bool control_listed = false;
  for (const json& s : stages) control_listed |= s["node"] == "edge-1" && s["name"] == "control";
  EXPECT_TRUE(control_listed) << stages.dump();

  // The edge stops: the broker publishes its Will, the API shows it offline.
  edge->stop();
  ASSERT_TRUE(eventually([&] {
    json n = api.get("/api/nodes/edge-1").second;
    return n.is_object() && n["state"] == "offline";
  }));
  EXPECT_EQ(find_node(api.get("/api/nodes").second, "cloud-1")->at("state"), "online");
  // Everything the edge sent is stored now (it flushed its outbox before
  // disconnecting); counts must agree from here on.
  const uint64_t stored = api.get("/api/health").second["readings_stored"].get<uint64_t>();
  ASSERT_GE(stored, 10u);

  // Raw points: one per stored reading, each a value the probes read.
  auto [raw_status, raw] = api.get("/api/series?node=edge-1&stage=control&field=value&from=0&to=now");
  ASSERT_EQ(raw_status, 200) << raw.dump();
  ASSERT_EQ(raw["points"].size(), stored);
  EXPECT_EQ(raw["count"], stored);
  for (const json& p : raw["points"]) {
    double v = p["value"].get<double>();
    EXPECT_TRUE(v == 30.0 || v == 32.0) << v;
  }
  // Without a field: whole readings.
  auto [all_status, all] = api.get("/api/series?node=edge-1&stage=control&from=-1h");
  ASSERT_EQ(all_status, 200);
  ASSERT_EQ(all["points"].size(), stored);
  EXPECT_TRUE(all["points"][0]["values"].contains("sensor"));
  // Bucketed: counts add up, min/max are the probes' values.
  auto [bucket_status, counted] = api.get("/api/series?node=edge-1&stage=control&field=value&from=-1h&bucket=1s&agg=count");
  ASSERT_EQ(bucket_status, 200) << counted.dump();
  uint64_t sum = 0;
  for (const json& p : counted["points"]) sum += p["value"].get<uint64_t>();
  EXPECT_EQ(sum, stored);
  EXPECT_EQ(counted["bucket_ms"], 1000);
  json maxed = api.get("/api/series?node=edge-1&stage=control&field=value&from=-1h&bucket=1h&agg=max").second;
  ASSERT_FALSE(maxed["points"].empty()) << maxed.dump();  // one bucket, or two across an hour boundary
  for (const json& p : maxed["points"]) EXPECT_EQ(p["value"], 32.0);
  json minned = api.get("/api/series?node=edge-1&stage=control&field=value&from=-1h&bucket=1h&agg=min").second;
  for (const json& p : minned["points"]) EXPECT_EQ(p["value"], 30.0);

  // The series the store knows.
  json list = api.get("/api/series/list").second;
  bool listed = false;
  for (const json& s : list) listed |= s == json{{"node", "edge-1"}, {"stage", "control"}, {"field", "value"}};
  EXPECT_TRUE(listed) << list.dump();

  // Latency: one end-to-end sample per stored reading, percentiles in order.
  json latency = api.get("/api/latency").second;
  const json& total = latency["end_to_end"]["total"];
  EXPECT_EQ(total["count"], stored) << latency.dump();
  EXPECT_LE(total["p50_ms"].get<double>(), total["p95_ms"].get<double>());
  EXPECT_LE(total["p95_ms"].get<double>(), total["p99_ms"].get<double>());
  EXPECT_LE(total["p99_ms"].get<double>(), total["max_ms"].get<double>());
  uint64_t into_ingest = 0;
  for (const json& hop : latency["hops"])
    if (hop["to"] == "ingest") into_ingest += hop["total"]["count"].get<uint64_t>();
  EXPECT_EQ(into_ingest, stored) << latency.dump();  // every reading's last leg ends at ingest
  EXPECT_EQ(latency["window_s"], 60.0);

  // Metrics: every sample line is `name{labels} value`, the counters agree.
  std::string content_type;
  std::string metrics = api.text("/metrics", &content_type);
  EXPECT_EQ(content_type.rfind("text/plain; version=0.0.4", 0), 0u) << content_type;
  ASSERT_FALSE(metrics.empty());
  EXPECT_EQ(metrics.back(), '\n');
  const std::regex sample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (NaN|[+-]Inf|-?[0-9.eE+-]+)$)");
  const std::regex comment(R"(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*$)");
  std::istringstream lines(metrics);
  std::string line;
  std::map<std::string, std::string> types;
  std::map<std::string, double> values;
  int samples = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("#", 0) == 0) {
      EXPECT_TRUE(std::regex_match(line, comment)) << line;
      if (line.rfind("# TYPE ", 0) == 0) {
        std::istringstream t(line.substr(7));
        std::string name, type;
        t >> name >> type;
        EXPECT_TRUE(types.emplace(name, type).second) << "TYPE twice: " << name;
      }
      continue;
    }
    EXPECT_TRUE(std::regex_match(line, sample)) << line;
    ++samples;
    values[line.substr(0, line.find(' '))] = std::strtod(line.substr(line.rfind(' ') + 1).c_str(), nullptr);
  }
  EXPECT_GT(samples, 10);
  EXPECT_EQ(types["continuum_readings_stored_total"], "counter");
  EXPECT_EQ(values["continuum_readings_stored_total"], static_cast<double>(stored));
  EXPECT_EQ(values["continuum_readings_duplicates_total"], 0);
  EXPECT_EQ(types["continuum_end_to_end_latency_seconds"], "summary");
  EXPECT_EQ(values["continuum_end_to_end_latency_seconds_count"], static_cast<double>(stored));
  EXPECT_NE(metrics.find("continuum_end_to_end_latency_seconds{quantile=\"0.99\"}"), std::string::npos);
  EXPECT_EQ(values["continuum_node_online{node=\"edge-1\",tier=\"edge\"}"], 0);
  EXPECT_EQ(values["continuum_node_online{node=\"cloud-1\",tier=\"cloud\"}"], 1);
  EXPECT_GT(values["continuum_stage_emitted_total{node=\"edge-1\",stage=\"control\"}"], 0);

  // Bad requests: 400/404 with a JSON message, never a crash.
  const std::pair<std::string, std::string> bad[] = {
      {"/api/series?stage=control", "missing parameter 'node'"},
      {"/api/series?node=edge-1&stage=control&from=yesterday", "parameter 'from'"},
      {"/api/series?node=edge-1&stage=control&field=value&bucket=10s&agg=median", "expected mean, min, max or count"},
      {"/api/series?node=edge-1&stage=control&field=value&from=0&bucket=1ms", "too many buckets"},
  };
  for (const auto& [path, message] : bad) {
    auto [status, body] = api.get(path);
    EXPECT_EQ(status, 400) << path;
    ASSERT_TRUE(body.is_object() && body["error"].is_string()) << path;
    EXPECT_NE(body["error"].get<std::string>().find(message), std::string::npos) << body["error"];
  }
  auto [unknown_status, unknown] = api.get("/api/nodes/nobody");
  EXPECT_EQ(unknown_status, 404);
  EXPECT_NE(unknown["error"].get<std::string>().find("unknown node \"nobody\""), std::string::npos);
  auto [missing_status, missing] = api.get("/api/nothing-here");
  EXPECT_EQ(missing_status, 404);
  EXPECT_TRUE(missing["error"].is_string());

  // `continuum stats` reads the same figures.
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  auto run_cli = [&](const std::vector<std::string>& args) {
    return testing::run_program(CONTINUUM_BIN, args, cloud_dir.path());
  };
  testing::ProgramRun run = run_cli({"stats", "--api", url});
  ASSERT_EQ(run.status, 0) << run.err;
  std::string text = run.out;
  EXPECT_NE(text.find("end to end\n  since start  n=" + std::to_string(stored)), std::string::npos) << text;
  EXPECT_NE(text.find("edge-1/control -> ingest"), std::string::npos) << text;  // the leg from the emitter
  EXPECT_NE(text.find("edge-1/control"), std::string::npos) << text;
  run = run_cli({"stats", "--api", url + "/", "--json"});
  ASSERT_EQ(run.status, 0) << run.err;
  json stats = json::parse(run.out);
  EXPECT_EQ(stats["latency"]["end_to_end"]["total"]["count"], stored);
  EXPECT_TRUE(stats["stages"].is_array());

  cloud.stop();
  // Nothing listens any more: a clear error and exit 1.
  run = run_cli({"stats", "--api", url});
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.err.rfind("error: cannot reach the API at " + url, 0), 0u) << run.err;
  run = run_cli({"stats", "--api", "127.0.0.1:8080"});
  EXPECT_EQ(run.status, 2);
  EXPECT_EQ(run.err.rfind("error: --api: expected an http:// URL", 0), 0u) << run.err;
}

TEST(HttpApi, HttpSectionIsCheckedLikeEveryOther) {
  std::string error;
  EXPECT_FALSE(parse_node_config("[node]\nid = \"c\"\n[http]\nport = 0\n", "c.toml", "/", process_environment(), &error));
  EXPECT_EQ(error, "c.toml: http: the HTTP API needs an [mqtt] table (it learns about nodes from their status and heartbeats)");
  EXPECT_FALSE(parse_node_config("[node]\nid = \"c\"\n[mqtt]\n[http]\nport = 70000\n", "c.toml", "/", process_environment(), &error));
  EXPECT_EQ(error, "c.toml: http.port: expected an integer from 0 to 65535");
  EXPECT_FALSE(parse_node_config("[node]\nid = \"c\"\n[mqtt]\n[http]\nbind = \"x\"\n", "c.toml", "/", process_environment(), &error));
  EXPECT_NE(error.find("http.bind"), std::string::npos) << error;
  std::optional<NodeConfig> c = parse_node_config("[node]\nid = \"c\"\n[mqtt]\n[http]\n", "c.toml", "/", process_environment(), &error);
  ASSERT_TRUE(c) << error;
  EXPECT_TRUE(c->http.enabled);
  EXPECT_EQ(c->http.host, "127.0.0.1");
  EXPECT_EQ(c->http.port, 8080);
}

}  // namespace
}  // namespace continuum::node::agent
