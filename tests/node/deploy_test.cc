// `continuum deploy`, `ls` and `rollback` end to end (docs/ota.md "Deploy and
// rollback across nodes"): a real mosquitto, a cloud node with [registry] and
// [http] and two edge nodes, all `continuum node` processes, and the CLI as a
// child process. A signed update reaches both edges while a stream of
// readings flows through their stage, and every reading is handled exactly
// once by each node; `ls` shows the new version; `rollback` brings the old one
// back past the downgrade guard; bad input gives `error:` lines and exit codes.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "continuum/adapters/ed25519_keys.h"
#include "continuum/adapters/mqtt_bus.h"
#include "continuum/adapters/openssl_crypto.h"
#include "continuum/node/topics.h"
#include "continuum/ota/signature.h"
#include "node_test_support.h"
#include "support/envelopes.h"
#include "support/run_program.h"
#include "support/server_process.h"

namespace continuum::node::agent {
namespace {

using nlohmann::json;
using test::eventually;
using testing::run_program;
constexpr std::chrono::milliseconds kLongMs{60000};  // generous: a loaded 2-core machine
constexpr uint64_t kReadings = 400;

std::size_t wasm_files(const std::filesystem::path& dir) {
  std::size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) n += entry.path().extension() == ".wasm";
  return n;
}

using continuum::testing::read_file;

// Every edge's heartbeat figures of stage "filter", and the t_ms of every
// filtered output (the reading it came from) per node.
class FleetWatch {
 public:
  explicit FleetWatch(int port) {
    adapters::MqttConfig c;
    c.port = port;
    bus_ = std::make_unique<adapters::MqttBus>(c);
    bus_->set_message_handler([this](const Message& m) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (m.topic.size() > 3 && m.topic.compare(m.topic.size() - 3, 3, "/hb") == 0) {
        json j = json::parse(m.payload, nullptr, false);
        if (j.is_object() && j.contains("stage_stats") && j["stage_stats"].contains("filter"))
          filter_[j.value("node", std::string())] = j["stage_stats"]["filter"];
        return;
      }
      for (const json& e : continuum::testing::data_message_envelopes(m.payload)) {
        const json values = e.value("values", json::object());
        if (values.contains("t_ms")) ++outputs_[e.value("node", std::string())][values["t_ms"].get<int64_t>()];
      }
    });
    started_ = bus_->start() && bus_->subscribe(topics::all_heartbeats(), 0) &&
               bus_->subscribe(topics::data("+", "filter", "filtered"), 1) && bus_->wait_subscribed(30000);
  }
  ~FleetWatch() {
    bus_->set_message_handler({});
    bus_->stop();
  }
  bool started() const { return started_; }
  json filter(const std::string& node) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = filter_.find(node);
    return it == filter_.end() ? json::object() : it->second;
  }
  uint64_t delivered(const std::string& node) { return filter(node).value("delivered", uint64_t{0}); }
  std::string version(const std::string& node) { return filter(node).value("module_version", std::string()); }
  // How often each reading's output arrived from NODE.
  std::map<int64_t, int> outputs(const std::string& node) {
    std::lock_guard<std::mutex> lock(mutex_);
    return outputs_[node];
  }

 private:
  std::unique_ptr<adapters::MqttBus> bus_;
  std::mutex mutex_;
  std::map<std::string, json> filter_;
  std::map<std::string, std::map<int64_t, int>> outputs_;
  bool started_ = false;
};

class Deploy : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string key_id;
    ASSERT_TRUE(adapters::generate_ed25519_key_pair(key_path(), crypto_, &key_id));
    ASSERT_TRUE(broker_.start()) << broker_.log();
    watch_ = std::make_unique<FleetWatch>(broker_.port());
    ASSERT_TRUE(watch_->started());
    v100_ = write_signed("1.0.0");
    v110_ = write_signed("1.1.0");
    http_port_ = testing::free_loopback_port();
    api_ = "http://127.0.0.1:" + std::to_string(http_port_);
    start_node("cloud-1", "[http]\nport = " + std::to_string(http_port_) + "\n[registry]\ntrust = \"" + key_path() +
                              ".pub\"\n");
    for (const char* edge : {"edge-1", "edge-2"})
      start_node(edge, "[trust]\nkeys = \"" + key_path() + ".pub\"\n[update]\nhealth_messages = 20\n"
                       "health_window = \"2s\"\n[[stages]]\nname = \"filter\"\nmodule = \"" + v100_ +
                       "\"\ngrants = [\"config\", \"emit:filtered\", \"emit:aggregate\"]\n"
                       "inputs = { readings = \"gen/src/readings\" }\nqueue = 10000\n");
    // The cloud knows both edges and their stage (heartbeats), the edges run 1.0.0.
    ASSERT_TRUE(eventually(
        [&] {
          testing::ProgramRun r = cli({"ls", "--json"});
          json j = json::parse(r.out, nullptr, false);
          int filters = 0;
          for (const json& s : j.is_object() ? j.value("stages", json::array()) : json::array())
            if (s.value("stage", "") == "filter" && s.value("version", "") == "1.0.0") ++filters;
          return filters == 2;
        },
        kLongMs))
        << cli({"ls"}).out << logs();
    adapters::MqttConfig pc;
    pc.port = broker_.port();
    publisher_ = std::make_unique<adapters::MqttBus>(pc);
    ASSERT_TRUE(publisher_->start());
    ASSERT_TRUE(publisher_->wait_connected(30000));
  }
  void TearDown() override {
    if (publishing_.joinable()) publishing_.join();
    if (publisher_) publisher_->stop();
    for (auto& [id, node] : nodes_) node->stop();
  }
  std::string key_path() { return (dir_.path() / "release").string(); }
  std::string write_signed(const std::string& version) {
    std::string error;
    auto signer = adapters::Ed25519Signer::load(key_path(), crypto_, &error);
    EXPECT_TRUE(signer) << error;
    std::optional<std::string> out =
        signer ? ota::sign_module(read_file(SOIL_FILTER_WASM), "soil-filter", version, *signer, crypto_, &error)
               : std::nullopt;
    EXPECT_TRUE(out) << error;
    std::string path = (dir_.path() / ("soil-filter-" + version + ".wasm")).string();
    std::ofstream(path, std::ios::binary) << out.value_or("");
    return path;
  }
  void start_node(const std::string& id, const std::string& sections) {
    std::string config = (dir_.path() / (id + ".toml")).string();
    std::ofstream(config) << "[node]\nid = \"" << id << "\"\ndata_dir = \"" << (dir_.path() / id).string()
                          << "\"\nheartbeat = \"100ms\"\n[mqtt]\nport = " << broker_.port() << "\n" << sections;
    auto child = std::make_unique<testing::ChildProcess>();
    ASSERT_TRUE(child->start({CONTINUUM_BIN, "node", "--config", config}, (dir_.path() / (id + ".log")).string()));
    nodes_[id] = std::move(child);
  }
  std::string logs() {
    std::string out;
    for (const auto& [id, node] : nodes_) out += "\n--- " + id + "\n" + read_file(dir_.path() / (id + ".log"));
    return out;
  }
  // The CLI against the cloud's API, with its API token when the node made one.
  testing::ProgramRun cli(std::vector<std::string> args, bool with_api = true) {
    if (with_api) {
      args.push_back("--api");
      args.push_back(api_);
      std::string token = read_file(dir_.path() / "cloud-1" / "api-token");
      while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
      if (!token.empty()) {
        args.push_back("--token");
        args.push_back(token);
      }
    }
    return run_program(CONTINUUM_BIN, args, dir_.path());
  }
  // Readings FROM..TO-1 of probe soil-1 on gen/src/readings, in a thread,
  // paced so that an update happens in the middle of the stream.
  void publish_in_background(uint64_t from, uint64_t to) {
    publishing_ = std::thread([this, from, to] {
      int token = 0;
      for (uint64_t i = from; i < to; ++i) {
        publisher_->publish(topics::data("gen", "src", "readings"), testing::gen_soil_envelope(i, "30.5"), 1, false,
                            &token);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    });
  }

  adapters::OpenSslCrypto crypto_;
  testing::TempDir dir_;
  testing::MosquittoServer broker_;
  std::unique_ptr<FleetWatch> watch_;
  std::map<std::string, std::unique_ptr<testing::ChildProcess>> nodes_;
  std::unique_ptr<adapters::MqttBus> publisher_;
  std::thread publishing_;
  std::string v100_, v110_, api_;
  int http_port_ = 0;
};

TEST_F(Deploy, ASignedUpdateReachesTwoNodesWithoutALostMessageAndRollsBack) {
  publish_in_background(0, kReadings);
  ASSERT_TRUE(eventually([&] { return watch_->delivered("edge-1") >= 50 && watch_->delivered("edge-2") >= 50; },
                         kLongMs));
  testing::ProgramRun deploy = cli({"deploy", v110_, "--stage", "filter"});
  ASSERT_EQ(deploy.status, 0) << deploy.out << deploy.err << logs();
  EXPECT_NE(deploy.out.find("uploaded soil-filter 1.1.0"), std::string::npos) << deploy.out;
  EXPECT_NE(deploy.out.find("on 2 node(s)"), std::string::npos) << deploy.out;
  for (const char* edge : {"edge-1", "edge-2"}) {
    // Progress per node, ending in the confirmation.
    EXPECT_NE(deploy.out.find(std::string(edge) + " "), std::string::npos) << deploy.out;
  }
  EXPECT_NE(deploy.out.find("downloading"), std::string::npos) << deploy.out;
  EXPECT_NE(deploy.out.find("running: confirmed"), std::string::npos) << deploy.out;
  EXPECT_NE(deploy.out.find("2 of 2 node(s) confirmed"), std::string::npos) << deploy.out;
  publishing_.join();

  // Every reading handled exactly once on each node, across the swap.
  for (const char* edge : {"edge-1", "edge-2"}) {
    ASSERT_TRUE(eventually([&] { return watch_->version(edge) == "1.1.0" && watch_->delivered(edge) >= kReadings; },
                           kLongMs))
        << edge << " " << watch_->filter(edge) << logs();
    ASSERT_TRUE(eventually([&] { return watch_->outputs(edge).size() >= kReadings; }, kLongMs))
        << edge << " " << watch_->outputs(edge).size();
    json f = watch_->filter(edge);
    EXPECT_EQ(f.value("delivered", 0u), kReadings) << f;
    EXPECT_EQ(f.value("emitted", 0u), kReadings) << f;
    EXPECT_EQ(f.value("rollbacks", 1u), 0u) << f;
    std::map<int64_t, int> outputs = watch_->outputs(edge);
    EXPECT_EQ(outputs.size(), kReadings);
    for (const auto& [t_ms, count] : outputs) EXPECT_EQ(count, 1) << edge << " t_ms " << t_ms;
  }

  // ls: both nodes, and the stage's module, version and sha prefix on each.
  testing::ProgramRun ls = cli({"ls"});
  ASSERT_EQ(ls.status, 0) << ls.err;
  std::string v110_sha = ota::to_hex(crypto_.sha256(read_file(v110_)));
  EXPECT_NE(ls.out.find("NODE"), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find("cloud-1"), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find("soil-filter"), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find(v110_sha.substr(0, 12)), std::string::npos) << ls.out;
  json listed = json::parse(cli({"ls", "--json"}).out, nullptr, false);
  ASSERT_TRUE(listed.is_object());
  int on_110 = 0;
  for (const json& s : listed["stages"])
    if (s["stage"] == "filter" && s["version"] == "1.1.0" && s["sha256"] == v110_sha) ++on_110;
  EXPECT_EQ(on_110, 2) << listed.dump(2);

  // Only the running version is stored (the one before it is the config's file).
  EXPECT_EQ(wasm_files(dir_.path() / "edge-1" / "modules" / "filter"), 1u);

  // Deploying the same version again is refused by the node's guard on the
  // offer, before anything is downloaded, with the reason.
  testing::ProgramRun again = cli({"deploy", v110_, "--stage", "filter", "--to", "edge-1"});
  EXPECT_EQ(again.status, 1) << again.out << again.err;
  EXPECT_NE(again.out.find("failed: downgrade refused"), std::string::npos) << again.out;
  EXPECT_EQ(again.out.find("downloading"), std::string::npos) << again.out;

  // Explicit rollback: back to 1.0.0 on both, past the downgrade guard.
  testing::ProgramRun rollback = cli({"rollback", "filter"});
  ASSERT_EQ(rollback.status, 0) << rollback.out << rollback.err << logs();
  EXPECT_NE(rollback.out.find("2 of 2 node(s) confirmed"), std::string::npos) << rollback.out;
  for (const char* edge : {"edge-1", "edge-2"}) {
    ASSERT_TRUE(eventually([&] { return watch_->version(edge) == "1.0.0"; }, kLongMs)) << watch_->filter(edge);
    EXPECT_EQ(watch_->filter(edge).value("last_rollback", std::string()), "explicit rollback (stage.rollback)");
    // The reason is kept on the node.
    json kept = json::parse(read_file(dir_.path() / edge / "modules" / "filter" / "rollbacks.json"), nullptr, false);
    ASSERT_TRUE(kept.is_array() && !kept.empty()) << kept;
    EXPECT_EQ(kept.back().value("kind", ""), "explicit");
    // The current version (a stored copy of 1.0.0) and the one before it (1.1.0).
    EXPECT_EQ(wasm_files(dir_.path() / edge / "modules" / "filter"), 2u);
  }
}

TEST_F(Deploy, BadInputGivesClearErrors) {
  // Unsigned: named before anything is sent.
  std::string unsigned_path = (dir_.path() / "unsigned.wasm").string();
  std::filesystem::copy_file(SOIL_FILTER_WASM, unsigned_path);
  testing::ProgramRun r = cli({"deploy", unsigned_path, "--stage", "filter"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("is not signed"), std::string::npos) << r.err;

  // A stage no node runs.
  r = cli({"deploy", v110_, "--stage", "no-such-stage"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("error: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no node runs a stage \"no-such-stage\""), std::string::npos) << r.err;
  r = cli({"rollback", "no-such-stage"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("no node runs a stage"), std::string::npos) << r.err;
  // A node that does not exist.
  r = cli({"deploy", v110_, "--stage", "filter", "--to", "edge-9"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("unknown node \"edge-9\""), std::string::npos) << r.err;

  // A rollback with nothing to roll back to: refused by each node, with why.
  r = cli({"rollback", "filter", "--node", "edge-1"});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("failed: stage.rollback: stage filter cannot roll back: no previous version"), std::string::npos)
      << r.out;

  // Unreachable API, bad URL, missing arguments.
  const std::string closed = "http://127.0.0.1:" + std::to_string(testing::free_loopback_port());
  r = cli({"ls", "--api", closed}, /*with_api=*/false);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("error: cannot reach the API at " + closed), std::string::npos) << r.err;
  r = cli({"ls", "--api", "ftp://example"}, false);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("error: --api: expected an http:// URL"), std::string::npos) << r.err;
  r = cli({"deploy", v110_}, false);
  EXPECT_EQ(r.status, 2) << r.err;
  r = cli({"rollback"}, false);
  EXPECT_EQ(r.status, 2) << r.err;
  r = cli({"deploy", (dir_.path() / "missing.wasm").string(), "--stage", "filter"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("error: cannot read"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace continuum::node::agent
