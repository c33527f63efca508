// Chunked OTA transfers through a real mosquitto on a free loopback port:
// delivery to two nodes, every refusal with its reason, a corrupted chunk
// requested again, and transfers cut in the middle that resume without
// sending everything again.
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "continuum/adapters/mqtt_bus.h"
#include "continuum/node/topics.h"
#include "continuum/ota/transfer_receiver.h"
#include "continuum/ota/transfer_sender.h"
#include "ota_test_support.h"
#include "support/mqtt_probe.h"
#include "support/poll.h"

namespace continuum::ota::testing {
namespace {

using namespace std::chrono_literals;
using adapters::MqttBus;
using adapters::MqttConfig;
namespace fs = std::filesystem;

constexpr auto kTimeout = 30s;

MqttConfig client(int port, const std::string& id) {
  return continuum::testing::quick_reconnect_client(port, id, /*keepalive_s=*/5);
}

// Polls until `condition` holds or 30 s pass.
bool eventually(const std::function<bool()>& condition) { return continuum::testing::eventually(condition, kTimeout); }

// One node: its own MQTT connection and receiver; installs into memory.
class Node {
 public:
  Node(int port, std::string id, fs::path dir, const Crypto& crypto, const TrustStore& trust,
       std::optional<std::string> installed = std::nullopt, uint32_t window = 8,
       std::function<void(Node&, uint32_t)> on_chunk = {})
      : id_(std::move(id)), bus_(client(port, id_)), installed_version_(std::move(installed)) {
    ReceiverOptions options;
    options.node = id_;
    options.dir = std::move(dir);
    options.window = window;
    if (on_chunk) options.on_chunk_stored = [this, on_chunk](uint32_t index) { on_chunk(*this, index); };
    receiver_ = std::make_unique<TransferReceiver>(
        bus_, crypto, trust, options,
        [this](const VerifiedModule& m) {
          std::lock_guard lock(mutex_);
          installed_.push_back(m);
          installed_version_ = m.manifest.version;
          return InstallResult{OtaState::kRunning, ""};
        },
        [this](const std::string&) {
          std::lock_guard lock(mutex_);
          return installed_version_;
        });
  }
  ~Node() {
    receiver_.reset();
    bus_.stop();
  }
  bool start() {
    if (!receiver_->attach()) return false;
    return bus_.start() && bus_.wait_subscribed(30000);
  }
  std::vector<VerifiedModule> installed() {
    std::lock_guard lock(mutex_);
    return installed_;
  }
  MqttBus& bus() { return bus_; }
  TransferReceiver& receiver() { return *receiver_; }

 private:
  std::string id_;
  MqttBus bus_;
  std::mutex mutex_;
  std::optional<std::string> installed_version_;
  std::vector<VerifiedModule> installed_;
  std::unique_ptr<TransferReceiver> receiver_;
};

// Flips the last byte of the Nth chunk it publishes: a link that damages one
// message (the broker and MQTT are real, the damage is injected here).
class CorruptingBus final : public node::MessageBus {
 public:
  CorruptingBus(MessageBus& inner, int corrupt_nth_chunk) : inner_(inner), nth_(corrupt_nth_chunk) {}
  void set_message_handler(MessageHandler h) override { inner_.set_message_handler(std::move(h)); }
  void set_ack_handler(AckHandler h) override { inner_.set_ack_handler(std::move(h)); }
  void set_connection_handler(ConnectionHandler h) override { inner_.set_connection_handler(std::move(h)); }
  node::Status publish(const std::string& topic, std::string_view payload, int qos, bool retain,
                       int* token) override {
    if (topic.ends_with("/ota/chunk") && ++chunks_ == nth_) {
      std::string damaged(payload);
      damaged.back() ^= 0x40;
      return inner_.publish(topic, damaged, qos, retain, token);
    }
    return inner_.publish(topic, payload, qos, retain, token);
  }
  node::Status subscribe(const std::string& filter, int qos) override { return inner_.subscribe(filter, qos); }
  bool connected() const override { return inner_.connected(); }

 private:
  MessageBus& inner_;
  int nth_;
  std::atomic<int> chunks_{0};
};

class Transfer : public ::testing::Test {
 protected:
  void SetUp() override {
    if (continuum::testing::find_program("mosquitto").empty()) GTEST_SKIP() << "mosquitto not installed";
    ASSERT_TRUE(broker.start()) << "mosquitto did not start:\n" << broker.log();
  }
  // The cloud side, optionally behind a damaging link.
  void start_cloud(int corrupt_nth_chunk = 0) {
    cloud_bus = std::make_unique<MqttBus>(client(broker.port(), "cloud"));
    node::MessageBus* bus = cloud_bus.get();
    if (corrupt_nth_chunk) {
      corrupting = std::make_unique<CorruptingBus>(*cloud_bus, corrupt_nth_chunk);
      bus = corrupting.get();
    }
    sender = std::make_unique<TransferSender>(*bus, crypto);
    sender->set_status_handler([this](const std::string& node, const OtaStatus& s) {
      std::lock_guard lock(states_mutex);
      states[node].push_back(ota_state_name(s.state));
    });
    ASSERT_TRUE(sender->attach());
    ASSERT_TRUE(cloud_bus->start());
    ASSERT_TRUE(cloud_bus->wait_subscribed(30000));
  }
  Offer offer(const std::string& node, const std::string& module, OfferOptions options = {}) {
    std::string error;
    auto o = sender->offer(node, module, options, &error);
    EXPECT_TRUE(o) << error;
    return o.value_or(Offer{});
  }
  OtaStatus outcome(const std::string& node, const Offer& o) {
    auto s = sender->wait_for_outcome(node, o, kTimeout);
    EXPECT_TRUE(s) << node << " reported no final state";
    return s.value_or(OtaStatus{});
  }
  std::vector<std::string> states_of(const std::string& node) {
    std::lock_guard lock(states_mutex);
    return states[node];
  }
  static size_t chunks_on_disk(const fs::path& dir) {
    size_t n = 0;
    if (fs::exists(dir / "partial"))
      for (const auto& e : fs::recursive_directory_iterator(dir / "partial")) n += e.path().extension() == ".chunk";
    return n;
  }

  continuum::testing::MosquittoServer broker{{.tcp_nodelay = true}};
  adapters::OpenSslCrypto crypto;
  TempDir dir;
  std::unique_ptr<adapters::Ed25519Signer> key = make_key(dir.path(), "release", crypto);
  TrustStore trust = trust_of(*key, crypto);
  std::string module_100k = signed_module({.data_bytes = 100 * 1024}, "soil-filter", "1.1.0", *key, crypto);
  std::unique_ptr<MqttBus> cloud_bus;
  std::unique_ptr<CorruptingBus> corrupting;
  std::unique_ptr<TransferSender> sender;
  std::mutex states_mutex;
  std::map<std::string, std::vector<std::string>> states;
};

TEST_F(Transfer, DeliversToTwoNodesAndReportsEveryState) {
  start_cloud();
  Node a(broker.port(), "edge-1", dir.path() / "a", crypto, trust, "1.0.0");
  Node b(broker.port(), "edge-2", dir.path() / "b", crypto, trust);
  ASSERT_TRUE(a.start());
  ASSERT_TRUE(b.start());
  Offer oa = offer("edge-1", module_100k);
  Offer ob = offer("edge-2", module_100k);
  EXPECT_EQ(oa.chunk_size, kDefaultChunkSize);
  EXPECT_EQ(oa.chunk_count(), (module_100k.size() + 4095) / 4096);
  EXPECT_EQ(outcome("edge-1", oa).state, OtaState::kRunning);
  EXPECT_EQ(outcome("edge-2", ob).state, OtaState::kRunning);
  for (Node* n : {&a, &b}) {
    auto installed = n->installed();
    ASSERT_EQ(installed.size(), 1u);
    EXPECT_EQ(installed[0].bytes, module_100k);
    EXPECT_EQ(installed[0].manifest.version, "1.1.0");
    EXPECT_FALSE(installed[0].rollback);
  }
  for (const char* node : {"edge-1", "edge-2"}) {
    auto s = states_of(node);
    ASSERT_GE(s.size(), 4u);
    EXPECT_EQ(s.front(), "downloading");
    EXPECT_EQ(std::vector<std::string>(s.end() - 3, s.end()),
              (std::vector<std::string>{"verifying", "installing", "running"}));
  }
  // Every chunk went once to each node; the partial download is gone.
  EXPECT_EQ(sender->chunks_sent(), 2u * oa.chunk_count());
  EXPECT_EQ(chunks_on_disk(dir.path() / "a"), 0u);
}

TEST_F(Transfer, RefusesDowngradeUnlessRollbackRequested) {
  start_cloud();
  Node n(broker.port(), "edge-1", dir.path() / "n", crypto, trust, "2.0.0");
  ASSERT_TRUE(n.start());
  std::string old = signed_module({.data_bytes = 5000}, "soil-filter", "1.9.0", *key, crypto);
  OtaStatus refused = outcome("edge-1", offer("edge-1", old));
  EXPECT_EQ(refused.state, OtaState::kFailed);
  EXPECT_NE(refused.reason.find("downgrade refused"), std::string::npos) << refused.reason;
  EXPECT_TRUE(n.installed().empty());
  EXPECT_EQ(sender->chunks_sent(), 0u);  // refused before downloading

  OtaStatus rolled = outcome("edge-1", offer("edge-1", old, {.allow_downgrade = true}));
  EXPECT_EQ(rolled.state, OtaState::kRunning) << rolled.reason;
  ASSERT_EQ(n.installed().size(), 1u);
  EXPECT_TRUE(n.installed()[0].rollback);
}

TEST_F(Transfer, RefusesUnsignedTamperedAndUnknownKeyModules) {
  start_cloud();
  Node n(broker.port(), "edge-1", dir.path() / "n", crypto, trust);
  ASSERT_TRUE(n.start());

  OtaStatus unsigned_outcome = outcome("edge-1", offer("edge-1", make_module({.data_bytes = 5000})));
  EXPECT_EQ(unsigned_outcome.state, OtaState::kFailed);
  EXPECT_NE(unsigned_outcome.reason.find("no signature"), std::string::npos) << unsigned_outcome.reason;

  // One byte of code flipped after signing: the chunks match the offer (the
  // sender hashes what it sends), so only the signed hash catches it.
  std::string tampered = signed_module({.data_bytes = 9000, .seed = 7}, "soil-filter", "1.0.0", *key, crypto);
  tampered[tampered.size() - 200] ^= 0x01;
  OtaStatus tampered_outcome = outcome("edge-1", offer("edge-1", tampered));
  EXPECT_EQ(tampered_outcome.state, OtaState::kFailed);
  EXPECT_NE(tampered_outcome.reason.find("hash mismatch"), std::string::npos) << tampered_outcome.reason;

  TempDir other;
  auto stranger = make_key(other.path(), "stranger", crypto);
  std::string foreign = signed_module({.data_bytes = 5000}, "soil-filter", "1.0.0", *stranger, crypto);
  OtaStatus foreign_outcome = outcome("edge-1", offer("edge-1", foreign));
  EXPECT_EQ(foreign_outcome.state, OtaState::kFailed);
  EXPECT_NE(foreign_outcome.reason.find("unknown key"), std::string::npos) << foreign_outcome.reason;

  EXPECT_TRUE(n.installed().empty());
}

TEST_F(Transfer, CorruptedChunkIsDetectedAndRequestedAgain) {
  start_cloud(/*corrupt_nth_chunk=*/4);
  Node n(broker.port(), "edge-1", dir.path() / "n", crypto, trust);
  ASSERT_TRUE(n.start());
  Offer o = offer("edge-1", module_100k);
  EXPECT_EQ(outcome("edge-1", o).state, OtaState::kRunning);
  EXPECT_EQ(n.receiver().corrupted_chunks(), 1u);
  EXPECT_EQ(sender->chunks_sent(), o.chunk_count() + 1u);  // only the damaged one twice
  ASSERT_EQ(n.installed().size(), 1u);
  EXPECT_EQ(n.installed()[0].bytes, module_100k);
}

TEST_F(Transfer, ConnectionCutMidTransferResumesWithoutResendingStoredChunks) {
  start_cloud();
  std::atomic<int> stored{0};
  std::mutex before_mutex;
  std::set<uint32_t> before_cut;
  constexpr uint32_t kWindow = 4;
  Node n(broker.port(), "edge-1", dir.path() / "n", crypto, trust, std::nullopt, kWindow,
         [&](Node& self, uint32_t index) {
           if (stored.load() < 10) {
             std::lock_guard lock(before_mutex);
             before_cut.insert(index);
           }
           // A cut cable after the 10th chunk: no MQTT DISCONNECT, chunks in
           // flight are lost, libmosquitto reconnects by itself.
           if (++stored == 10) self.bus().drop_connection_abruptly();
         });
  ASSERT_TRUE(n.start());
  Offer o = offer("edge-1", module_100k);
  EXPECT_EQ(outcome("edge-1", o).state, OtaState::kRunning);
  EXPECT_GE(n.bus().connect_count(), 2u);
  ASSERT_EQ(n.installed().size(), 1u);
  EXPECT_EQ(n.installed()[0].bytes, module_100k);
  std::lock_guard lock(before_mutex);
  ASSERT_EQ(before_cut.size(), 10u);
  for (uint32_t index : before_cut) EXPECT_EQ(sender->times_sent("edge-1", o.transfer, index), 1u) << index;
  // Only chunks in flight at the cut (a window; another if the stall timer
  // fired during the reconnect on a slow machine) are sent again.
  EXPECT_LE(sender->chunks_sent(), o.chunk_count() + 2 * kWindow);
}

TEST_F(Transfer, NodeRestartMidTransferReusesChunksOnDisk) {
  start_cloud();
  fs::path node_dir = dir.path() / "n";
  std::atomic<bool> cut{false};
  auto first = std::make_unique<Node>(broker.port(), "edge-1", node_dir, crypto, trust, std::nullopt, 4,
                                      [&](Node& self, uint32_t) {
                                        if (!cut.exchange(true)) self.bus().drop_connection_abruptly();
                                      });
  // Cut after the first chunk; stop the node before it reconnects (1 s).
  ASSERT_TRUE(first->start());
  Offer o = offer("edge-1", module_100k);
  ASSERT_TRUE(eventually([&] { return cut.load(); }));
  first.reset();
  size_t on_disk = chunks_on_disk(node_dir);
  ASSERT_GE(on_disk, 1u);
  ASSERT_LT(on_disk, o.chunk_count());
  std::vector<uint32_t> kept;
  for (const auto& e : fs::recursive_directory_iterator(node_dir / "partial"))
    if (e.path().extension() == ".chunk") kept.push_back(static_cast<uint32_t>(std::stoul(e.path().stem().string())));

  // The restarted node gets the retained offer and fetches only the rest.
  Node second(broker.port(), "edge-1", node_dir, crypto, trust);
  ASSERT_TRUE(second.start());
  EXPECT_EQ(outcome("edge-1", o).state, OtaState::kRunning);
  ASSERT_EQ(second.installed().size(), 1u);
  EXPECT_EQ(second.installed()[0].bytes, module_100k);
  for (uint32_t index : kept) EXPECT_EQ(sender->times_sent("edge-1", o.transfer, index), 1u) << index;
  EXPECT_LE(sender->chunks_sent(), o.chunk_count() + 2 * 4u);
}

}  // namespace
}  // namespace continuum::ota::testing
