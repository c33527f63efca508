// The dashboard's back end over real HTTP (docs/api.md): a cloud node agent
// in process ([http] + [ingest] + [registry], real mosquitto, real files)
// and an edge as a `continuum node` child process. Sign-in (good and bad
// passwords, throttling that grows, cookie flags), the one access check on
// writes (no session, no CSRF token, a wrong one, the API token), reads
// signed-in only, the events log and stream from real status messages and
// the edge's Will, the graph from the edge's real heartbeats, signing a real
// module on the server, and the static front end with traversal refused.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "continuum/adapters/ed25519_keys.h"
#include "continuum/adapters/mqtt_bus.h"
#include "continuum/adapters/openssl_crypto.h"
#include "continuum/adapters/password_hash.h"
#include "continuum/node/agent/agent.h"
#include "continuum/ota/signature.h"
#include "support/node_toml.h"
#include "support/poll.h"
#include "support/run_program.h"
#include "support/server_process.h"

namespace continuum::node::agent {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;
using testing::eventually;

constexpr const char* kPassword = "a-test-password";
constexpr const char* kToken = "dashboard-test-token-0123456789";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Answer {
  int status = 0;
  json body;
  std::string raw;
  httplib::Headers headers;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

Answer answer(const httplib::Result& r) {
  if (!r) return {};
  return {r->status, json::parse(r->body, nullptr, false), r->body, r->headers};
}

class Dashboard : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::find_program("mosquitto").empty()) GTEST_SKIP() << "mosquitto not installed";
    ASSERT_TRUE(broker.start()) << broker.log();
    fs::create_directories(dir.path() / "trust");
    adapters::OpenSslCrypto crypto;
    std::string key_id;
    ASSERT_TRUE(adapters::generate_ed25519_key_pair((dir.path() / "release.key").string(), crypto, &key_id));
    fs::copy_file(dir.path() / "release.key.pub", dir.path() / "trust" / "release.pub");
    fs::create_directories(dir.path() / "web" / "assets");
    std::ofstream(dir.path() / "web" / "index.html") << "<!doctype html><title>continuum</title>";
    std::ofstream(dir.path() / "web" / "assets" / "app.js") << "export const x = 1;";
    std::ofstream(dir.path() / "secret.txt") << "not for the web";
  }

  // A cloud node in process; `http_extra` goes into its [http] table.
  void start_cloud(const std::string& http_extra = "") {
    port = testing::free_loopback_port();
    const std::string toml = "[node]\nid = \"cloud-1\"\ntier = \"cloud\"\ndata_dir = \"" +
                             (dir.path() / "cloud").string() + "\"\nheartbeat = \"200ms\"\n[mqtt]\nport = " +
                             std::to_string(broker.port()) + "\n[ingest]\nbackend = \"sqlite\"\n[http]\nport = " +
                             std::to_string(port) + "\nadmin_password = \"" + kPassword + "\"\napi_token = \"" +
                             kToken + "\"\nweb_root = \"" + (dir.path() / "web").string() + "\"\n" + http_extra +
                             "[registry]\ntrust = \"" + (dir.path() / "trust").string() + "\"\n";
    std::string error;
    cloud = Agent::start(testing::parse_config(toml), &error);
    ASSERT_TRUE(cloud) << error;
    client = std::make_unique<httplib::Client>("127.0.0.1", port);
    client->set_read_timeout(30, 0);
    ASSERT_TRUE(eventually([&] { return get("/api/health").status == 200; }));
  }
  void TearDown() override { cloud.reset(); }

  Answer get(const std::string& path, const httplib::Headers& headers = {}) {
    return answer(client->Get(path.c_str(), headers));
  }
  Answer post(const std::string& path, const std::string& body = "", const httplib::Headers& headers = {},
              const std::string& type = "application/json") {
    return answer(client->Post(path.c_str(), headers, body, type.c_str()));
  }
  Answer login(const std::string& password, const httplib::Headers& headers = {}) {
    return post("/api/login", json{{"password", password}}.dump(), headers);
  }
  // Signs in (waiting out a throttle left by earlier failures); the cookie header.
  std::string sign_in(std::string* csrf) {
    Answer ok;
    EXPECT_TRUE(eventually([&] { return (ok = login(kPassword)).status != 429; }));
    EXPECT_EQ(ok.status, 200) << ok.raw;
    *csrf = ok.body.value("csrf_token", "");
    const std::string set_cookie = ok.header("Set-Cookie");
    return set_cookie.substr(0, set_cookie.find(';'));
  }

  testing::MosquittoServer broker;
  testing::TempDir dir;
  int port = 0;
  std::unique_ptr<Agent> cloud;
  std::unique_ptr<httplib::Client> client;
};

TEST_F(Dashboard, SignInSetsASessionCookieAndFailuresAreThrottledMoreEachTime) {
  start_cloud();
  EXPECT_EQ(get("/api/session").body["signed_in"], false);

  Answer bad = login("wrong");
  ASSERT_EQ(bad.status, 401) << bad.raw;
  EXPECT_EQ(bad.body["retry_after_s"], 0.5);
  // At once again: refused before the password is even checked.
  Answer early = login(kPassword);
  ASSERT_EQ(early.status, 429) << early.raw;
  EXPECT_FALSE(early.header("Retry-After").empty());
  EXPECT_GT(early.body["retry_after_s"].get<double>(), 0.0);
  EXPECT_LE(early.body["retry_after_s"].get<double>(), 0.5);
  // The second failure in a row doubles the wait.
  Answer second;
  ASSERT_TRUE(eventually([&] { return (second = login("wrong again")).status != 429; }));
  ASSERT_EQ(second.status, 401) << second.raw;
  EXPECT_EQ(second.body["retry_after_s"], 1.0);
  Answer throttled = login(kPassword);
  ASSERT_EQ(throttled.status, 429);
  EXPECT_GT(throttled.body["retry_after_s"].get<double>(), 0.5);
  // Other requests are served meanwhile.
  EXPECT_EQ(get("/api/health").status, 200);

  Answer ok;
  ASSERT_TRUE(eventually([&] { return (ok = login(kPassword)).status != 429; }));
  ASSERT_EQ(ok.status, 200) << ok.raw;
  const std::string csrf = ok.body["csrf_token"];
  EXPECT_EQ(csrf.size(), 64u);
  const std::string set_cookie = ok.header("Set-Cookie");
  EXPECT_EQ(set_cookie.rfind("ctm_session=", 0), 0u) << set_cookie;
  for (const char* flag : {"; HttpOnly", "; SameSite=Strict", "; Path=/", "; Max-Age=43200"})
    EXPECT_NE(set_cookie.find(flag), std::string::npos) << flag << " in " << set_cookie;
  EXPECT_EQ(set_cookie.find("Secure"), std::string::npos) << "plain HTTP: no Secure flag";
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));

  Answer who = get("/api/session", {{"Cookie", cookie}});
  EXPECT_EQ(who.body["signed_in"], true);
  EXPECT_EQ(who.body["via"], "session");
  EXPECT_EQ(who.body["csrf_token"], csrf);
  EXPECT_EQ(who.body["read_access"], "public");

  // Behind a TLS proxy the cookie is Secure.
  Answer proxied = login(kPassword, {{"X-Forwarded-Proto", "https"}});
  ASSERT_EQ(proxied.status, 200);
  EXPECT_NE(proxied.header("Set-Cookie").find("; Secure"), std::string::npos);

  // The failures are in the events log.
  Answer events = get("/api/events?limit=1000");
  int failed = 0;
  for (const json& e : events.body["events"])
    if (e["kind"] == "login-failed") {
      ++failed;
      EXPECT_EQ(e["client"], "127.0.0.1");
    }
  EXPECT_EQ(failed, 2) << events.raw;
}

TEST_F(Dashboard, EveryWriteNeedsASessionWithItsCsrfTokenOrTheApiToken) {
  start_cloud();
  // An offer of an unknown module: once let through, the route answers 400.
  const std::string offer = "/api/modules/not-a-hash/offer?node=edge-1";
  Answer none = post(offer);
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.body["reason"], "no-session") << none.raw;
  // Routes other parts add (or that do not exist at all) are covered too.
  EXPECT_EQ(post("/api/stages/filter/move", R"({"to":"edge-2"})").body["reason"], "no-session");

  std::string csrf;
  const std::string cookie = sign_in(&csrf);
  Answer no_csrf = post(offer, "", {{"Cookie", cookie}});
  EXPECT_EQ(no_csrf.status, 403);
  EXPECT_EQ(no_csrf.body["reason"], "no-csrf-token");
  Answer wrong_csrf = post(offer, "", {{"Cookie", cookie}, {"X-CSRF-Token", std::string(64, '0')}});
  EXPECT_EQ(wrong_csrf.status, 403);
  EXPECT_EQ(wrong_csrf.body["reason"], "bad-csrf-token");
  Answer with_csrf = post(offer, "", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}});
  EXPECT_EQ(with_csrf.status, 400) << with_csrf.raw;  // the route's own answer
  EXPECT_NE(with_csrf.body["error"].get<std::string>().find("bad module id"), std::string::npos);

  Answer bearer = post(offer, "", {{"Authorization", std::string("Bearer ") + kToken}});
  EXPECT_EQ(bearer.status, 400) << bearer.raw;
  Answer bad_bearer = post(offer, "", {{"Authorization", "Bearer not-the-token"}});
  EXPECT_EQ(bad_bearer.status, 401);
  EXPECT_EQ(bad_bearer.body["reason"], "bad-token");
  EXPECT_EQ(get("/api/session", {{"Authorization", std::string("Bearer ") + kToken}}).body["via"], "token");

  // Signing out ends the session for writes.
  EXPECT_EQ(post("/api/logout", "", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}).status, 200);
  Answer after = post(offer, "", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}});
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(after.body["reason"], "session-expired");
  EXPECT_EQ(get("/api/session", {{"Cookie", cookie}}).body["signed_in"], false);
}

TEST_F(Dashboard, ReadsSignedInOnlyWhenConfigured) {
  start_cloud("read_access = \"signed-in\"\n");
  Answer anonymous = get("/api/nodes");
  EXPECT_EQ(anonymous.status, 403);
  EXPECT_EQ(anonymous.body["reason"], "signed-in-only");
  EXPECT_EQ(get("/metrics").status, 403);
  EXPECT_EQ(get("/api/health").status, 200);
  EXPECT_EQ(get("/api/session").body["read_access"], "signed-in");
  EXPECT_EQ(get("/").status, 200);  // the sign-in page must load
  EXPECT_EQ(get("/api/nodes", {{"Authorization", std::string("Bearer ") + kToken}}).status, 200);
  std::string csrf;
  const std::string cookie = sign_in(&csrf);
  EXPECT_EQ(get("/api/nodes", {{"Cookie", cookie}}).status, 200);
}

TEST_F(Dashboard, ServesTheFrontEndFilesAndNothingOutsideThem) {
  start_cloud();
  httplib::Result index = client->Get("/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(index->body, "<!doctype html><title>continuum</title>");
  httplib::Result js = client->Get("/assets/app.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->get_header_value("Content-Type"), "application/javascript; charset=utf-8");
  EXPECT_EQ(js->get_header_value("X-Content-Type-Options"), "nosniff");
  // Scripts and JSON answers go out as they are even to a client that
  // accepts Brotli: cpp-httplib would compress them at Brotli's slowest
  // quality, seconds for the in-browser compiler (route_helpers.h).
  client->set_decompress(false);
  for (const char* path : {"/assets/app.js", "/api/session"}) {
    httplib::Result r = client->Get(path, {{"Accept-Encoding", "br, gzip"}});
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_EQ(r->get_header_value("Content-Encoding"), "") << path;
  }
  client->set_decompress(true);
  for (const char* escape : {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt", "/missing.js"}) {
    httplib::Result r = client->Get(escape);
    ASSERT_TRUE(r) << escape;
    EXPECT_EQ(r->status, 404) << escape;
    EXPECT_EQ(r->body.find("not for the web"), std::string::npos) << escape;
  }
  // The API keeps its JSON 404s.
  Answer unknown = get("/api/no-such-thing");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_TRUE(unknown.body.contains("error"));
}

TEST_F(Dashboard, SignsAnUnsignedModuleWithTheDeploymentKeyAndRegistersIt) {
  start_cloud();
  const std::string module = read_file(IRRIGATION_CONTROL_WASM);
  ASSERT_FALSE(module.empty());
  const httplib::Headers token = {{"Authorization", std::string("Bearer ") + kToken}};
  const std::string grants = "config,sensor:soil-1,sensor:soil-2,actuator:pump-1,emit:readings,emit:pump";
  Answer added = post("/api/modules/sign?name=my-control&version=0.1.0&grants=" + grants, module, token,
                      "application/wasm");
  ASSERT_EQ(added.status, 201) << added.raw;
  EXPECT_EQ(added.body["name"], "my-control");
  EXPECT_EQ(added.body["version"], "0.1.0");
  EXPECT_EQ(added.body["key_id"], added.body["signed_by"]);
  EXPECT_EQ(added.body["required_grants"],
            json::array({"actuator:pump-1", "config", "emit:pump", "emit:readings", "sensor:soil-1", "sensor:soil-2"}))
      << added.raw;
  const std::string sha = added.body["sha256"];

  // The registered bytes verify against the trust directory the nodes share,
  // which now holds the deployment key's public key.
  httplib::Result wasm = client->Get(("/api/modules/" + sha + "/wasm").c_str());
  ASSERT_TRUE(wasm);
  ASSERT_EQ(wasm->status, 200);
  adapters::OpenSslCrypto crypto;
  ota::TrustStore trust;
  ASSERT_TRUE(adapters::load_trust_store((dir.path() / "trust").string(), crypto, trust));
  EXPECT_EQ(trust.size(), 2u);
  ota::VerifyOutcome verified = ota::verify_module(wasm->body, trust, crypto);
  EXPECT_TRUE(verified.ok()) << verified.detail;
  EXPECT_TRUE(fs::exists(dir.path() / "cloud" / "registry" / "deploy.key"));
  EXPECT_EQ(fs::status(dir.path() / "cloud" / "registry" / "deploy.key").permissions() & fs::perms::group_all,
            fs::perms::none);

  // Refusals, each with its reason.
  auto refusal = [&](const std::string& query, const std::string& body) {
    Answer a = post("/api/modules/sign?" + query, body, token, "application/wasm");
    return std::to_string(a.status) + " " + a.body.value("reason", "") ;
  };
  EXPECT_EQ(refusal("name=my-control&version=0.1.1&grants=config", wasm->body), "422 already-signed");
  EXPECT_EQ(refusal("name=my-control&version=0.1.1&grants=sensr:x", module), "400 bad-grant");
  EXPECT_EQ(refusal("name=my-control&version=one&grants=config", module), "400 bad-version");
  EXPECT_EQ(refusal("name=My%20Control&version=0.1.1&grants=config", module), "400 bad-name");
  EXPECT_EQ(refusal("name=my-control&version=0.1.1&grants=config", "not wasm at all"), "400 malformed");
  EXPECT_EQ(refusal("name=my-control&version=0.1.1&grants=config", ""), "400 empty");
  EXPECT_EQ(refusal("name=my-control&version=0.0.9&grants=config", module), "422 downgrade");
  // And without signing in, nothing is signed.
  EXPECT_EQ(post("/api/modules/sign?name=x&version=1.0.0", module, {}, "application/wasm").status, 401);
}

TEST_F(Dashboard, ARegistryCanStartWithAnEmptyTrustDirectoryItSharesWithItsNodes) {
  fs::remove(dir.path() / "trust" / "release.pub");
  start_cloud();
  // The deployment key's .pub went in first, so the nodes sharing the
  // directory as their [trust] accept what the dashboard signs.
  std::vector<fs::path> keys;
  for (const auto& entry : fs::directory_iterator(dir.path() / "trust")) keys.push_back(entry.path());
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].filename().string().rfind("deploy-", 0), 0u) << keys[0];
  Answer added = post("/api/modules/sign?name=my-control&version=1.0.0&grants=config", read_file(IRRIGATION_CONTROL_WASM),
                      {{"Authorization", std::string("Bearer ") + kToken}}, "application/wasm");
  EXPECT_EQ(added.status, 201) << added.raw;
}

TEST_F(Dashboard, EventsAndGraphFollowARealEdgeNodeUntilItsWill) {
  start_cloud();
  // The stream, open before the edge starts, must carry the log events.
  std::atomic<bool> saw_offline{false};
  std::mutex stream_mutex;
  std::string stream_text;
  std::thread stream([&] {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(60, 0);
    c.Get("/api/stream?node=edge-1", [&](const char* data, size_t length) {
      std::lock_guard lock(stream_mutex);
      stream_text.append(data, length);
      if (std::regex_search(stream_text, std::regex("event: log\ndata: [^\n]*\"kind\":\"offline\""))) saw_offline = true;
      return !saw_offline.load();
    });
  });
  // Whatever fails below, the stream thread ends (the server stops) and is joined.
  struct JoinOnExit {
    std::function<void()> join;
    ~JoinOnExit() { join(); }
  } join_stream{[&] {
    if (!stream.joinable()) return;
    cloud.reset();
    stream.join();
  }};

  const fs::path edge_toml = dir.path() / "edge-1.toml";
  std::ofstream(edge_toml) << "[node]\nid = \"edge-1\"\ndata_dir = \"" << (dir.path() / "edge").string()
                           << "\"\nheartbeat = \"100ms\"\n[mqtt]\nport = " << broker.port()
                           << testing::simulated_field_control(IRRIGATION_CONTROL_WASM, "50ms",
                                                               "publish = [\"readings\"]\n")
                           << "[[stages]]\nname = \"watch\"\nmodule = \"" << IRRIGATION_CONTROL_WASM
                           << "\"\ngrants = [\"config\"]\ninputs = { readings = \"control.readings\" }\n"
                              "publish = []\n";
  testing::ChildProcess edge;
  const fs::path edge_log = dir.path() / "edge.log";
  ASSERT_TRUE(edge.start({CONTINUUM_BIN, "node", "--config", edge_toml.string()}, edge_log.string()));

  // The graph from the edge's heartbeats: its machine, devices, stages,
  // the in-process route and the published stage's edge to ingest.
  auto find = [](const json& list, const std::string& id) -> const json* {
    for (const json& x : list)
      if (x.value("id", "") == id) return &x;
    return nullptr;
  };
  json graph;
  ASSERT_TRUE(eventually([&] {
    graph = get("/api/graph").body;
    const json* control = find(graph["nodes"], "edge-1/stage/control");
    const json* route = find(graph["edges"], "edge-1/stage/control:readings->edge-1/stage/watch:readings");
    return control && route && (*control)["out_per_s"].get<double>() > 0 && (*route)["rate_per_s"].get<double>() > 0;
  })) << graph.dump(1) << "\n" << read_file(edge_log);
  const json* machine = find(graph["machines"], "edge-1");
  ASSERT_TRUE(machine);
  EXPECT_EQ((*machine)["tier"], "edge");
  EXPECT_EQ((*machine)["state"], "online");
  for (const char* id : {"edge-1/sensor/soil-1", "edge-1/sensor/soil-2", "edge-1/actuator/pump-1", "cloud-1/sink/ingest"})
    EXPECT_TRUE(find(graph["nodes"], id)) << id << " in " << graph["nodes"].dump();
  EXPECT_TRUE(find(graph["edges"], "edge-1/sensor/soil-1->edge-1/stage/control"));
  EXPECT_TRUE(find(graph["edges"], "edge-1/stage/control->edge-1/actuator/pump-1"));
  EXPECT_TRUE(find(graph["edges"], "edge-1/stage/control->cloud-1/sink/ingest"));
  EXPECT_FALSE(find(graph["edges"], "edge-1/stage/watch->cloud-1/sink/ingest")) << "watch publishes nothing";
  EXPECT_EQ((*find(graph["edges"], "edge-1/stage/control:readings->edge-1/stage/watch:readings"))["remote"], false);

  // An OTA outcome a node reports (on a [registry] node) is logged too.
  adapters::MqttConfig probe_config;
  probe_config.port = broker.port();
  probe_config.client_id = "dashboard-test-probe";
  adapters::MqttBus probe(probe_config);
  ASSERT_TRUE(probe.start().ok);
  ASSERT_TRUE(eventually([&] { return probe.connected(); }));
  ASSERT_TRUE(probe.publish("ctm/v1/edge-1/ota/status",
                            R"({"transfer":"t-1","attempt":1,"name":"soil-filter","version":"9.0.0","state":"failed","reason":"unknown key: 0123456789abcdef"})",
                            1, false, nullptr)
                  .ok);

  // kill -9: the broker publishes the edge's Will (offline).
  edge.kill_now();
  auto kinds = [&] {
    std::vector<std::string> out;
    const Answer events = get("/api/events?node=edge-1&limit=1000");
    for (const json& e : events.body["events"]) out.push_back(e["kind"]);
    return out;
  };
  auto has = [](const std::vector<std::string>& v, const std::string& k) {
    return std::find(v.begin(), v.end(), k) != v.end();
  };
  ASSERT_TRUE(eventually([&] {
    std::vector<std::string> k = kinds();
    return has(k, "online") && has(k, "offline") && has(k, "module-refused");
  })) << get("/api/events?limit=1000").raw;
  ASSERT_TRUE(eventually([&] { return saw_offline.load(); }));
  stream.join();
  probe.stop();
  {
    std::lock_guard lock(stream_mutex);
    EXPECT_NE(stream_text.find("event: log\ndata: "), std::string::npos);
  }

  // Paging: since the last id there is nothing new; since 0 the oldest first.
  Answer all = get("/api/events?since=0&limit=2");
  ASSERT_EQ(all.status, 200);
  ASSERT_EQ(all.body["events"].size(), 2u);
  EXPECT_LT(all.body["events"][0]["id"], all.body["events"][1]["id"]);
  const uint64_t next = all.body["next"];
  EXPECT_EQ(next, all.body["events"][1]["id"]);
  Answer later = get("/api/events?since=" + std::to_string(next));
  ASSERT_FALSE(later.body["events"].empty());
  EXPECT_GT(later.body["events"][0]["id"].get<uint64_t>(), next);
  EXPECT_EQ(get("/api/events?limit=0").status, 400);
  EXPECT_EQ(get("/api/events?since=abc").status, 400);
  // The graph shows the machine offline now.
  EXPECT_TRUE(eventually([&] {
    json g = get("/api/graph").body;
    const json* m = find(g["machines"], "edge-1");
    const json* c = find(g["nodes"], "edge-1/stage/control");
    return m && c && (*m)["state"] == "offline" && (*c)["health"] == "offline";
  }));
}

TEST(HashPasswordCli, PrintsAHashThatVerifiesAndRefusesAnEmptyStdin) {
  testing::TempDir dir;
  const std::string sh = "/bin/sh";
  testing::ProgramRun made = testing::run_program(
      sh, {"-c", std::string("printf '%s\\n' 'pass word' | ") + CONTINUUM_BIN + " hash-password --iterations 1000"},
      dir.path());
  ASSERT_EQ(made.status, 0) << made.err;
  std::string hash = made.out;
  while (!hash.empty() && hash.back() == '\n') hash.pop_back();
  EXPECT_EQ(hash.rfind("pbkdf2-sha256$1000$", 0), 0u) << hash;
  EXPECT_TRUE(adapters::verify_password("pass word", hash));
  EXPECT_FALSE(adapters::verify_password("pass", hash));
  testing::ProgramRun empty =
      testing::run_program(sh, {"-c", std::string(CONTINUUM_BIN) + " hash-password < /dev/null"}, dir.path());
  EXPECT_EQ(empty.status, 2);
  EXPECT_EQ(empty.err.rfind("error: ", 0), 0u) << empty.err;
}

}  // namespace
}  // namespace continuum::node::agent
