// The cloud's module registry service end to end: a node with [registry] and
// [http] (in process, real mosquitto, real SQLite + blob directory) takes
// uploads over real HTTP, refuses what its trust store or the downgrade rule
// does not allow (with the reason), serves metadata and bytes, and offers a
// module to a node: a TransferReceiver (its own MQTT connection) downloads it
// through the transfer protocol and gets the same bytes.
#include <httplib.h>

#include <mutex>
#include <nlohmann/json.hpp>

#include "continuum/adapters/mqtt_bus.h"
#include "continuum/adapters/sqlite_module_registry.h"
#include "continuum/node/agent/agent.h"
#include "continuum/node/topics.h"
#include "continuum/ota/bytes.h"
#include "continuum/ota/transfer_receiver.h"
#include "continuum/ota/wasm_sections.h"
#include "ota_test_support.h"
#include "support/mqtt_probe.h"
#include "support/node_toml.h"
#include "support/poll.h"

namespace continuum::ota::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

constexpr auto kTimeout = 30s;
constexpr const char* kToken = "registry-test-token-0123456789";
bool eventually(const std::function<bool()>& condition) { return continuum::testing::eventually(condition, kTimeout); }

struct Answer {
  int status = 0;
  json body;
  std::string raw;
};

class RegistryService : public ::testing::Test {
 protected:
  void SetUp() override {
    if (continuum::testing::find_program("mosquitto").empty()) GTEST_SKIP() << "mosquitto not installed";
    ASSERT_TRUE(broker.start()) << "mosquitto did not start:\n" << broker.log();
    fs::create_directories(dir.path() / "trusted");
    fs::create_directories(dir.path() / "other");
    trusted = make_key(dir.path() / "trusted", "release", crypto);
    untrusted = make_key(dir.path() / "other", "stranger", crypto);
    http_port = continuum::testing::free_loopback_port();
    const std::string toml = "[node]\nid = \"cloud-1\"\ntier = \"cloud\"\ndata_dir = \"" +
                             (dir.path() / "cloud").string() + "\"\n[mqtt]\nport = " + std::to_string(broker.port()) +
                             "\n[http]\nport = " + std::to_string(http_port) + "\napi_token = \"" + kToken +
                             "\"\n[registry]\ntrust = \"" +
                             (dir.path() / "trusted" / "release.pub").string() + "\"\n";
    std::string error;
    cloud = node::agent::Agent::start(continuum::testing::parse_config(toml), &error);
    ASSERT_TRUE(cloud) << error;
    client = std::make_unique<httplib::Client>("127.0.0.1", http_port);
    client->set_read_timeout(30, 0);
    // Uploads and offers are writes: the API token signs them in (docs/api.md).
    client->set_bearer_token_auth(kToken);
    ASSERT_TRUE(eventually([&] { return get("/api/health").status == 200; }));
  }
  void TearDown() override { cloud.reset(); }

  static Answer answer(const httplib::Result& r) {
    if (!r) return {};
    return {r->status, json::parse(r->body, nullptr, false), r->body};
  }
  Answer get(const std::string& path) { return answer(client->Get(path)); }
  Answer post(const std::string& path, const std::string& body, const std::string& type = "application/wasm") {
    return answer(client->Post(path, body, type));
  }
  std::string signed_by(const Signer& signer, const std::string& version, uint32_t seed = 1) {
    ModuleSpec spec;
    spec.seed = seed;
    spec.grants = "sensor:soil-1";
    return signed_module(spec, "soil-filter", version, signer, crypto);
  }
  std::string hash_of(const std::string& module) { return to_hex(crypto.sha256(module)); }

  continuum::testing::MosquittoServer broker;
  TempDir dir;
  adapters::OpenSslCrypto crypto;
  std::unique_ptr<adapters::Ed25519Signer> trusted, untrusted;
  int http_port = 0;
  std::unique_ptr<node::agent::Agent> cloud;
  std::unique_ptr<httplib::Client> client;
};

TEST_F(RegistryService, SignedUploadIsListedWithItsMetadataAndBytes) {
  const std::string module = signed_by(*trusted, "1.0.0");
  Answer added = post("/api/modules", module);
  ASSERT_EQ(added.status, 201) << added.raw;
  EXPECT_EQ(added.body["sha256"], hash_of(module));
  EXPECT_EQ(added.body["name"], "soil-filter");
  EXPECT_EQ(added.body["version"], "1.0.0");
  EXPECT_EQ(added.body["size"], module.size());
  EXPECT_EQ(added.body["key_id"], trusted->key_id());
  // kv from the kv_get import, sensor:soil-1 from the ctm.grants section.
  EXPECT_EQ(added.body["required_grants"], json::array({"kv", "sensor:soil-1"}));
  EXPECT_EQ(added.body["added"], true);

  // The same bytes again: nothing new, 200.
  Answer again = post("/api/modules", module);
  EXPECT_EQ(again.status, 200) << again.raw;
  EXPECT_EQ(again.body["added"], false);

  Answer list = get("/api/modules");
  ASSERT_EQ(list.status, 200);
  ASSERT_TRUE(list.body.is_array());
  ASSERT_EQ(list.body.size(), 1u) << list.raw;
  EXPECT_EQ(list.body[0]["sha256"], hash_of(module));
  EXPECT_EQ(list.body[0]["version"], "1.0.0");

  Answer one = get("/api/modules/" + hash_of(module));
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.body["name"], "soil-filter");
  EXPECT_EQ(one.body["imports"].size(), 1u);

  httplib::Result wasm = client->Get("/api/modules/" + hash_of(module) + "/wasm");
  ASSERT_TRUE(wasm);
  EXPECT_EQ(wasm->status, 200);
  EXPECT_EQ(wasm->get_header_value("Content-Type"), "application/wasm");
  EXPECT_TRUE(wasm->body == module) << "downloaded bytes differ from the upload";

  EXPECT_EQ(get("/api/modules/" + std::string(64, 'a')).status, 404);
  EXPECT_EQ(get("/api/modules/not-a-hash").status, 400);

  // The registry is real files in the default place (<data_dir>/registry):
  // opened again after the node stopped, it holds the module.
  cloud.reset();
  EXPECT_TRUE(fs::exists(dir.path() / "cloud" / "registry" / "blobs" / hash_of(module)));
  adapters::SqliteModuleRegistry reopened(crypto);
  ASSERT_TRUE(reopened.open(dir.path() / "cloud" / "registry"));
  auto record = reopened.by_hash(hash_of(module));
  ASSERT_TRUE(record);
  EXPECT_EQ(record->version, "1.0.0");
}

TEST_F(RegistryService, RefusedUploadsSayWhy) {
  auto refused = [&](const std::string& body, int status, const std::string& reason) {
    Answer a = post("/api/modules", body);
    EXPECT_EQ(a.status, status) << a.raw;
    EXPECT_EQ(a.body.value("reason", ""), reason) << a.raw;
    EXPECT_FALSE(a.body.value("error", "").empty()) << a.raw;
  };
  refused(make_module(ModuleSpec{}), 422, "no-signature");
  refused(signed_by(*untrusted, "1.0.0"), 422, "unknown-key");

  const std::string module = signed_by(*trusted, "1.2.0");
  std::string error;
  auto sections = split_sections(module, &error);
  ASSERT_TRUE(sections) << error;
  std::string tampered = module;
  tampered[sections->back().begin - 1] ^= 0x01;  // last code/data byte before ctm.signature
  refused(tampered, 422, "hash-mismatch");
  std::string bad_signature = module;
  bad_signature.back() ^= 0x01;  // a byte of the Ed25519 signature
  refused(bad_signature, 422, "bad-signature");
  refused("", 400, "empty");
  refused("not a module", 400, "malformed");
  EXPECT_EQ(get("/api/modules").body.size(), 0u) << "a refused upload was stored";

  // Downgrade: 1.2.0 is there, 1.1.0 is refused unless asked for.
  ASSERT_EQ(post("/api/modules", module).status, 201);
  const std::string older = signed_by(*trusted, "1.1.0", /*seed=*/2);
  refused(older, 422, "downgrade");
  Answer allowed = post("/api/modules?allow_downgrade=1", older);
  EXPECT_EQ(allowed.status, 201) << allowed.raw;
  EXPECT_EQ(get("/api/modules").body.size(), 2u);
  // 1.2.0 bound to other bytes: a conflict.
  refused(signed_by(*trusted, "1.2.0", /*seed=*/3), 409, "conflict");
}

TEST_F(RegistryService, OfferReachesAReceiverThatGetsTheSameBytes) {
  // Big enough for several chunks (4 KiB default).
  ModuleSpec spec;
  spec.data_bytes = 20'000;
  const std::string module = signed_module(spec, "soil-filter", "2.0.0", *trusted, crypto);
  ASSERT_EQ(post("/api/modules", module).status, 201);

  TrustStore trust = trust_of(*trusted, crypto);
  adapters::MqttBus bus(continuum::testing::quick_reconnect_client(broker.port(), "edge-7", 5));
  std::mutex mutex;
  std::vector<VerifiedModule> installed;
  ReceiverOptions options;
  options.node = "edge-7";
  options.dir = dir.path() / "edge-7";
  TransferReceiver receiver(
      bus, crypto, trust, options,
      [&](const VerifiedModule& m) {
        std::lock_guard lock(mutex);
        installed.push_back(m);
        return InstallResult{OtaState::kRunning, ""};
      },
      [](const std::string&) { return std::optional<std::string>{}; });
  ASSERT_TRUE(receiver.attach());
  ASSERT_TRUE(bus.start());
  ASSERT_TRUE(bus.wait_subscribed(30000));

  EXPECT_EQ(post("/api/modules/" + hash_of(module) + "/offer", "", "text/plain").status, 400);  // no node
  EXPECT_EQ(post("/api/modules/" + std::string(64, 'b') + "/offer?node=edge-7", "", "text/plain").status, 404);
  Answer offer = post("/api/modules/" + hash_of(module) + "/offer?node=edge-7", "", "text/plain");
  ASSERT_EQ(offer.status, 202) << offer.raw;
  EXPECT_EQ(offer.body["node"], "edge-7");
  EXPECT_EQ(offer.body["version"], "2.0.0");
  EXPECT_GE(offer.body["chunks"].get<int>(), 5);
  EXPECT_EQ(offer.body["status_topic"], node::topics::ota_status("edge-7"));

  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return !installed.empty();
  })) << "the receiver installed nothing";
  {
    std::lock_guard lock(mutex);
    ASSERT_EQ(installed.size(), 1u);
    EXPECT_TRUE(installed[0].bytes == module) << "received bytes differ from the registered module";
    EXPECT_EQ(installed[0].manifest.version, "2.0.0");
    EXPECT_EQ(installed[0].manifest.key_id, trusted->key_id());
  }
  ASSERT_TRUE(eventually([&] {
    auto s = receiver.last_status();
    return s && s->state == OtaState::kRunning;
  }));
  receiver.detach();
  bus.stop();
}

// [registry] parsing: defaults, and what is refused before anything starts.
TEST(RegistryConfig, DefaultsAndRefusals) {
  auto parse = [](const std::string& text, std::string* error) {
    return node::agent::parse_node_config(text, "cloud.toml", "/base", node::agent::process_environment(), error);
  };
  const std::string node = "[node]\nid = \"cloud-1\"\ndata_dir = \"/data/cloud\"\n";
  std::string error;
  auto c = parse(node + "[mqtt]\n[registry]\ntrust = \"keys\"\n", &error);
  ASSERT_TRUE(c) << error;
  EXPECT_TRUE(c->registry.enabled);
  EXPECT_EQ(c->registry.dir, "/data/cloud/registry");
  EXPECT_EQ(c->registry.trust, "/base/keys");
  c = parse(node + "[mqtt]\n[registry]\ntrust = \"keys\"\ndir = \"reg\"\n", &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->registry.dir, "/base/reg");
  c = parse(node + "[mqtt]\n[registry]\nenabled = false\n", &error);
  ASSERT_TRUE(c) << error;
  EXPECT_FALSE(c->registry.enabled);

  EXPECT_FALSE(parse(node + "[mqtt]\n[registry]\n", &error));
  EXPECT_NE(error.find("registry.trust"), std::string::npos) << error;
  EXPECT_FALSE(parse(node + "[registry]\ntrust = \"keys\"\n", &error));
  EXPECT_NE(error.find("needs an [mqtt] table"), std::string::npos) << error;
  EXPECT_FALSE(parse(node + "[mqtt]\n[registry]\ntrust = \"keys\"\ntrusted = 1\n", &error));
  EXPECT_NE(error.find("trusted"), std::string::npos) << error;
}

TEST(RegistryConfig, UnreadableTrustStoreStopsTheNode) {
  TempDir dir;
  std::string error;
  auto c = node::agent::parse_node_config("[node]\nid = \"cloud-1\"\ndata_dir = \"" + dir.path().string() +
                                              "\"\n[mqtt]\nport = 1\n[registry]\ntrust = \"missing.pub\"\n",
                                          "cloud.toml", dir.path().string(), node::agent::process_environment(),
                                          &error);
  ASSERT_TRUE(c) << error;
  EXPECT_FALSE(node::agent::Agent::start(*c, &error));
  EXPECT_NE(error.find("registry.trust"), std::string::npos) << error;
}

}  // namespace
}  // namespace continuum::ota::testing
