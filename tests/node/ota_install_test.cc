// OTA transfer to install (docs/ota.md, "Transfer to install") against a
// real `continuum node` process and a real mosquitto: a TransferSender offers
// signed modules for a stage; the node downloads, verifies and hot-swaps
// them, and what it confirmed survives a restart of the process, while a
// version on probation when the node is killed does not.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>

#include "continuum/adapters/ed25519_keys.h"
#include "continuum/adapters/mqtt_bus.h"
#include "continuum/adapters/openssl_crypto.h"
#include "continuum/node/topics.h"
#include "continuum/ota/signature.h"
#include "continuum/ota/transfer_sender.h"
#include "node_test_support.h"
#include "support/server_process.h"

namespace continuum::node::agent {
namespace {

using nlohmann::json;
using test::eventually;
constexpr std::chrono::milliseconds kLongMs{60000};  // generous: a loaded 2-core machine

using continuum::testing::read_file;

// The node's heartbeats (the filter stage's module_version) and OTA states.
class Watch {
 public:
  Watch(int port, const std::string& node) : node_(node) {
    adapters::MqttConfig c;
    c.port = port;
    bus_ = std::make_unique<adapters::MqttBus>(c);
    bus_->set_message_handler([this](const Message& m) {
      json j = json::parse(m.payload, nullptr, false);
      std::lock_guard<std::mutex> lock(mutex_);
      if (m.topic == topics::heartbeat(node_)) {
        if (j.is_object() && j.contains("stage_stats"))
          version_ = j["stage_stats"]["filter"].value("module_version", std::string("(none)"));
      } else if (j.is_object()) {
        statuses_.push_back(j);
      }
    });
    started_ = bus_->start() && bus_->subscribe(topics::heartbeat(node), 0) &&
               bus_->subscribe(topics::ota_status(node), 1) && bus_->wait_subscribed(30000);
  }
  ~Watch() {
    bus_->set_message_handler({});
    bus_->stop();
  }
  bool started() const { return started_; }
  std::string version() {
    std::lock_guard<std::mutex> lock(mutex_);
    return version_;
  }
  void forget_version() {
    std::lock_guard<std::mutex> lock(mutex_);
    version_.clear();
  }
  // The states reported for TRANSFER, repeats folded (downloading is
  // reported every tenth of the chunks).
  std::vector<std::string> states(const std::string& transfer) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    for (const json& s : statuses_) {
      if (s.value("transfer", "") != transfer) continue;
      std::string state = s.value("state", "?");
      if (out.empty() || out.back() != state) out.push_back(state);
    }
    return out;
  }
  json last(const std::string& transfer) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = statuses_.rbegin(); it != statuses_.rend(); ++it)
      if (it->value("transfer", "") == transfer) return *it;
    return json::object();
  }

 private:
  std::string node_;
  std::unique_ptr<adapters::MqttBus> bus_;
  std::mutex mutex_;
  std::string version_;
  std::vector<json> statuses_;
  bool started_ = false;
};

class OtaInstall : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string key_id;
    ASSERT_TRUE(adapters::generate_ed25519_key_pair(key_path(), crypto_, &key_id));
    ASSERT_TRUE(broker_.start()) << broker_.log();
    watch_ = std::make_unique<Watch>(broker_.port(), "edge-7");
    ASSERT_TRUE(watch_->started());
    adapters::MqttConfig c;
    c.port = broker_.port();
    sender_bus_ = std::make_unique<adapters::MqttBus>(c);
    sender_ = std::make_unique<ota::TransferSender>(*sender_bus_, crypto_);
    // Routed by hand so that the test can stop answering mid-transfer.
    sender_bus_->set_message_handler([this](const Message& m) {
      if (answering_) sender_->handle_message(m);
      if (pause_after_ > 0 && sender_->chunks_sent() >= pause_after_) answering_ = false;
    });
    ASSERT_TRUE(sender_bus_->start());
    for (const std::string& topic : sender_->subscriptions()) ASSERT_TRUE(sender_bus_->subscribe(topic, 1));
    ASSERT_TRUE(sender_bus_->wait_subscribed(30000));
    v100_ = write_signed("1.0.0", false);
  }
  void TearDown() override {
    node_.stop();
    sender_bus_->set_message_handler({});
    sender_bus_->stop();
  }
  std::string key_path() { return (keys_.path() / "release").string(); }
  // soil-filter signed as VERSION; TAMPER changes one byte after signing.
  std::string signed_bytes(const std::string& version, bool tamper) {
    std::string error;
    auto signer = adapters::Ed25519Signer::load(key_path(), crypto_, &error);
    EXPECT_TRUE(signer) << error;
    if (!signer) return "";
    std::optional<std::string> out =
        ota::sign_module(read_file(SOIL_FILTER_WASM), "soil-filter", version, *signer, crypto_, &error);
    EXPECT_TRUE(out) << error;
    if (out && tamper) (*out)[out->size() / 2] ^= 0x01;
    return out.value_or("");
  }
  std::string write_signed(const std::string& version, bool tamper) {
    std::string path = (dir_.path() / ("soil-filter-" + version + ".wasm")).string();
    std::ofstream(path, std::ios::binary) << signed_bytes(version, tamper);
    return path;
  }
  // `continuum node` with [trust], the filter stage on v1.0.0 as configured.
  void start_node(const std::string& probation) {
    std::string config = (dir_.path() / "edge-7.toml").string();
    std::ofstream(config) << "[node]\nid = \"edge-7\"\ndata_dir = \"" << (dir_.path() / "data").string()
                          << "\"\nheartbeat = \"100ms\"\n[mqtt]\nport = " << broker_.port() << "\n[trust]\nkeys = \""
                          << key_path() << ".pub\"\n[update]\n"
                          << probation << "[[stages]]\nname = \"filter\"\nmodule = \"" << v100_
                          << "\"\ngrants = [\"config\", \"emit:filtered\", \"emit:aggregate\"]\n"
                             "inputs = { readings = \"gen/src/readings\" }\npublish = false\n";
    watch_->forget_version();
    ASSERT_TRUE(node_.start({CONTINUUM_BIN, "node", "--config", config}, log_path()));
    ASSERT_TRUE(eventually([&] { return !watch_->version().empty(); }, kLongMs)) << log();
  }
  std::string log_path() { return (dir_.path() / "node.log").string(); }
  std::string log() { return read_file(log_path()); }
  std::optional<ota::Offer> offer(std::string module, uint32_t chunk_size = ota::kDefaultChunkSize) {
    ota::OfferOptions options;
    options.stage = "filter";
    options.chunk_size = chunk_size;
    std::string error;
    std::optional<ota::Offer> o = sender_->offer("edge-7", std::move(module), options, &error);
    EXPECT_TRUE(o) << error;
    return o;
  }

  adapters::OpenSslCrypto crypto_;
  testing::TempDir dir_, keys_;
  testing::MosquittoServer broker_;
  std::unique_ptr<Watch> watch_;
  std::unique_ptr<adapters::MqttBus> sender_bus_;
  std::unique_ptr<ota::TransferSender> sender_;
  std::atomic<bool> answering_{true};
  std::atomic<uint64_t> pause_after_{0};
  testing::ChildProcess node_;
  std::string v100_;
};

TEST_F(OtaInstall, TamperedIsRefusedCutTransferResumesConfirmedUpdateSurvivesRestart) {
  start_node("health_messages = 1000000\nhealth_window = \"1s\"\n");
  ASSERT_EQ(watch_->version(), "1.0.0");

  // A module changed after signing: downloaded, refused at verification.
  std::optional<ota::Offer> tampered = offer(signed_bytes("1.2.0", /*tamper=*/true));
  ASSERT_TRUE(tampered);
  ASSERT_TRUE(eventually([&] { return watch_->last(tampered->transfer).value("state", "") == "failed"; }, kLongMs))
      << log();
  std::string reason = watch_->last(tampered->transfer).value("reason", "");
  EXPECT_TRUE(reason.find("hash") != std::string::npos || reason.find("signature") != std::string::npos) << reason;
  EXPECT_EQ(watch_->states(tampered->transfer), (std::vector<std::string>{"downloading", "verifying", "failed"}));
  EXPECT_EQ(watch_->version(), "1.0.0");

  // v1.1.0 in 256-byte chunks; the sender goes quiet halfway and the node
  // is killed: the next run resumes from the chunks on disk.
  std::string v110 = signed_bytes("1.1.0", false);
  const uint32_t chunks = static_cast<uint32_t>((v110.size() + 255) / 256);
  ASSERT_GE(chunks, 40u);
  uint64_t before = sender_->chunks_sent();
  pause_after_ = before + chunks / 2;
  std::optional<ota::Offer> update = offer(v110, 256);
  ASSERT_TRUE(update);
  ASSERT_TRUE(eventually([&] { return !answering_; }, kLongMs)) << log();
  node_.kill_now();
  uint64_t sent_before_cut = sender_->chunks_sent() - before;
  pause_after_ = 0;
  answering_ = true;
  start_node("health_messages = 1000000\nhealth_window = \"1s\"\n");
  ASSERT_TRUE(eventually([&] { return watch_->last(update->transfer).value("state", "") == "running"; }, kLongMs))
      << watch_->last(update->transfer) << "\n" << log();
  EXPECT_EQ(watch_->states(update->transfer),
            (std::vector<std::string>{"downloading", "verifying", "installing", "running"}));
  // Resumed, not started over: fewer chunks than the cut part plus a whole transfer.
  EXPECT_LT(sender_->chunks_sent() - before, sent_before_cut + chunks);
  ASSERT_TRUE(eventually([&] { return watch_->version() == "1.1.0"; }, kLongMs)) << watch_->version();

  // Confirmed: a restart of the process comes back on v1.1.0, and says so.
  node_.stop();
  start_node("health_messages = 1000000\nhealth_window = \"1s\"\n");
  EXPECT_EQ(watch_->version(), "1.1.0") << log();
  EXPECT_NE(log().find("starting the confirmed update"), std::string::npos) << log();
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "data" / "modules" / "filter" / "current.json"));
}

TEST_F(OtaInstall, ANodeKilledDuringProbationComesBackOnTheOldVersion) {
  start_node("health_messages = 1000000\nhealth_window = \"1h\"\n");
  std::optional<ota::Offer> update = offer(signed_bytes("1.1.0", false));
  ASSERT_TRUE(update);
  ASSERT_TRUE(eventually([&] { return watch_->version() == "1.1.0"; }, kLongMs)) << log();
  EXPECT_EQ(watch_->last(update->transfer).value("state", ""), "installing");  // on probation
  node_.kill_now();

  start_node("health_messages = 1000000\nhealth_window = \"1h\"\n");
  EXPECT_EQ(watch_->version(), "1.0.0") << log();
  EXPECT_NE(log().find("was on probation when the node stopped"), std::string::npos) << log();
  // Reported as rolled back; the retained offer, delivered again, is not taken.
  ASSERT_TRUE(
      eventually([&] { return watch_->last(update->transfer).value("state", "") == "rolled-back"; }, kLongMs))
      << watch_->last(update->transfer);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "data" / "modules" / "filter" / "current.json"));
  // Still v1.0.0 heartbeats later (the offer was not installed again).
  for (int i = 0; i < 3; ++i) {
    watch_->forget_version();
    ASSERT_TRUE(eventually([&] { return !watch_->version().empty(); }, kLongMs));
    EXPECT_EQ(watch_->version(), "1.0.0") << log();
  }
}

}  // namespace
}  // namespace continuum::node::agent
