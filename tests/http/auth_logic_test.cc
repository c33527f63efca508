// The pure parts of sign-in (adapters/http, adapters/crypto): password
// hashes, the session table with a fake clock, login throttling growing per
// failure, the one access check with every refusal reason, cookie and
// bearer parsing, and the static-file resolver against a real directory
// (traversal, symlink escape, index.html, MIME types).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "auth_gate.h"
#include "continuum/adapters/password_hash.h"
#include "login_throttle.h"
#include "session_table.h"
#include "static_files.h"
#include "support/server_process.h"

namespace continuum::adapters::http {
namespace {

namespace fs = std::filesystem;

TEST(PasswordHash, VerifiesTheRightPasswordOnlyAndCarriesItsIterations) {
  const std::string hash = hash_password("correct horse", 1000);
  ASSERT_EQ(hash.rfind("pbkdf2-sha256$1000$", 0), 0u) << hash;
  EXPECT_FALSE(password_hash_problem(hash));
  EXPECT_TRUE(verify_password("correct horse", hash));
  EXPECT_FALSE(verify_password("correct horsE", hash));
  EXPECT_FALSE(verify_password("", hash));
  // A fresh salt each time: same password, different hash, both verify.
  const std::string again = hash_password("correct horse", 1000);
  EXPECT_NE(again, hash);
  EXPECT_TRUE(verify_password("correct horse", again));
}

TEST(PasswordHash, MalformedHashesAreNamedAndNeverVerify) {
  for (const std::string bad : {"", "plain-password", "pbkdf2-sha256$10$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==",
                                "pbkdf2-sha256$1000$!!!$aGFzaGhhc2hoYXNoaGFzaA==", "md5$1000$a$b"}) {
    EXPECT_TRUE(password_hash_problem(bad)) << bad;
    EXPECT_FALSE(verify_password("x", bad)) << bad;
  }
}

TEST(RandomHex, GivesDistinctTokensOfTheAskedLength) {
  const std::string a = random_hex(32), b = random_hex(32);
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
  EXPECT_TRUE(secrets_equal(a, a));
  EXPECT_FALSE(secrets_equal(a, b));
  EXPECT_FALSE(secrets_equal(a, a.substr(1)));
}

// Secrets from a counter, so tests can name them.
std::function<std::string()> counting_secrets() {
  auto n = std::make_shared<int>(0);
  return [n] { return "secret-" + std::to_string(++*n); };
}

TEST(SessionTable, SessionsExpireAfterTheirTtl) {
  SessionTable table(1000, 10, counting_secrets());
  Session s = table.create("admin", 5000);
  EXPECT_EQ(s.id, "secret-1");
  EXPECT_EQ(s.csrf_token, "secret-2");
  EXPECT_EQ(s.expires_ms, 6000);
  ASSERT_TRUE(table.find(s.id, 5999));
  EXPECT_EQ(table.find(s.id, 5999)->csrf_token, "secret-2");
  EXPECT_FALSE(table.find(s.id, 6000));
  EXPECT_EQ(table.size(), 0u);  // removed when found expired
  EXPECT_FALSE(table.find("", 0));
}

TEST(SessionTable, AFullTableDropsTheOldestAndRemoveSignsOut) {
  SessionTable table(100'000, 2, counting_secrets());
  Session a = table.create("admin", 1), b = table.create("admin", 2), c = table.create("admin", 3);
  EXPECT_FALSE(table.find(a.id, 4));
  EXPECT_TRUE(table.find(b.id, 4));
  EXPECT_TRUE(table.find(c.id, 4));
  table.remove(b.id);
  EXPECT_FALSE(table.find(b.id, 4));
  EXPECT_EQ(table.size(), 1u);
}

TEST(LoginThrottle, TheWaitDoublesWithEachFailureUpToTheCap) {
  LoginThrottle t(LoginThrottleConfig{500, 4000, 60'000, 100});
  EXPECT_EQ(t.wait_ms("10.0.0.1", 0), 0);
  std::vector<int64_t> delays;
  int64_t now = 0;
  for (int i = 0; i < 6; ++i) {
    LoginThrottle::Failure f = t.failed("10.0.0.1", now);
    EXPECT_EQ(f.in_a_row, static_cast<uint64_t>(i + 1));
    delays.push_back(f.next_delay_ms);
    EXPECT_EQ(t.wait_ms("10.0.0.1", now), f.next_delay_ms);
    EXPECT_EQ(t.wait_ms("10.0.0.1", now + f.next_delay_ms - 1), 1);
    now += f.next_delay_ms;
    EXPECT_EQ(t.wait_ms("10.0.0.1", now), 0);
  }
  EXPECT_EQ(delays, (std::vector<int64_t>{500, 1000, 2000, 4000, 4000, 4000}));
  // Another client is not slowed down by this one.
  EXPECT_EQ(t.wait_ms("10.0.0.2", now), 0);
  // Success clears the count: the next failure starts over.
  t.succeeded("10.0.0.1");
  EXPECT_EQ(t.failed("10.0.0.1", now).next_delay_ms, 500);
}

TEST(LoginThrottle, OneAttemptInFlightPerClient) {
  LoginThrottle t(LoginThrottleConfig{500, 60'000, 60'000, 100});
  EXPECT_EQ(t.begin("a", 0), 0);
  EXPECT_EQ(t.begin("a", 0), 500);  // a parallel guess waits for the first one's verdict
  EXPECT_EQ(t.begin("b", 0), 0);    // other clients do not
  EXPECT_EQ(t.failed("a", 10).next_delay_ms, 500);
  EXPECT_EQ(t.begin("a", 11), 499);
  EXPECT_EQ(t.begin("a", 510), 0);
  t.succeeded("a");
  EXPECT_EQ(t.begin("a", 511), 0);
  t.abandon("a");  // e.g. a request without a password
  EXPECT_EQ(t.begin("a", 512), 0);
}

TEST(LoginThrottle, AClientQuietForLongIsForgottenAndTheTableIsBounded) {
  LoginThrottle t(LoginThrottleConfig{500, 60'000, 10'000, 2});
  t.failed("a", 0);
  t.failed("a", 1000);
  EXPECT_EQ(t.failed("a", 2000).in_a_row, 3u);
  EXPECT_EQ(t.failed("a", 2000 + 10'000).in_a_row, 1u);  // forgotten, then one new failure
  t.failed("b", 20'000);
  t.failed("c", 20'001);  // the table holds 2: "a" (oldest) goes
  EXPECT_EQ(t.failed("a", 20'002).in_a_row, 1u);
}

TEST(CookieAndBearer, ParseTheHeadersBrowsersAndClientsSend) {
  EXPECT_EQ(cookie_value("a=1; ctm_session=abc; b=2", "ctm_session"), "abc");
  EXPECT_EQ(cookie_value("ctm_session=abc", "ctm_session"), "abc");
  EXPECT_EQ(cookie_value("xctm_session=abc", "ctm_session"), "");
  EXPECT_EQ(cookie_value("", "ctm_session"), "");
  EXPECT_EQ(bearer_token("Bearer tok"), "tok");
  EXPECT_EQ(bearer_token("bearer  tok "), "tok");
  EXPECT_FALSE(bearer_token("Basic dXNlcjpwdw=="));
  EXPECT_FALSE(bearer_token(""));
}

class AuthGateTest : public ::testing::Test {
 protected:
  AccessDecision check(const std::string& method, const std::string& path, const std::string& cookie = "",
                       const std::string& csrf = "", const std::string& authorization = "") {
    return gate.check({method, path, cookie, csrf, authorization}, 1000);
  }
  SessionTable sessions{60'000, 10, counting_secrets()};
  Session session = sessions.create("admin", 0);  // id secret-1, csrf secret-2
  AuthGate gate{AccessPolicy{"the-api-token-0123", true}, sessions};
  std::string cookie = "ctm_session=" + session.id;
};

TEST_F(AuthGateTest, WritesNeedASessionWithItsCsrfTokenOrTheApiToken) {
  EXPECT_EQ(check("POST", "/api/stages/filter/move").reason, "no-session");
  EXPECT_EQ(check("POST", "/api/stages/filter/move").status, 401);
  EXPECT_EQ(check("POST", "/api/modules", "ctm_session=nope").reason, "session-expired");
  EXPECT_EQ(check("POST", "/api/modules", cookie).reason, "no-csrf-token");
  EXPECT_EQ(check("POST", "/api/modules", cookie).status, 403);
  EXPECT_EQ(check("POST", "/api/modules", cookie, "secret-1").reason, "bad-csrf-token");
  AccessDecision ok = check("POST", "/api/modules", cookie, "secret-2");
  EXPECT_TRUE(ok.allowed);
  EXPECT_EQ(ok.via, "session");
  EXPECT_EQ(check("DELETE", "/api/anything", cookie, "secret-2").via, "session");
  EXPECT_EQ(check("POST", "/api/modules", "", "", "Bearer the-api-token-0123").via, "token");
  EXPECT_EQ(check("POST", "/api/modules", "", "", "Bearer wrong").reason, "bad-token");
  EXPECT_EQ(check("PUT", "/api/modules", "", "", "Basic abc").reason, "bad-token");
  // Sign-in itself needs nothing; a session expires for writes too.
  EXPECT_TRUE(check("POST", "/api/login").allowed);
  EXPECT_EQ(gate.check({"POST", "/api/modules", cookie, "secret-2", ""}, 60'000).reason, "session-expired");
}

TEST_F(AuthGateTest, ReadsArePublicOrSignedInOnlyAsConfigured) {
  EXPECT_TRUE(check("GET", "/api/nodes").allowed);
  EXPECT_TRUE(check("GET", "/metrics").allowed);
  AuthGate closed{AccessPolicy{"the-api-token-0123", false}, sessions};
  auto closed_check = [&](const std::string& path, const std::string& c = "", const std::string& a = "") {
    return closed.check({"GET", path, c, "", a}, 1000);
  };
  EXPECT_EQ(closed_check("/api/nodes").reason, "signed-in-only");
  EXPECT_EQ(closed_check("/api/nodes").status, 403);
  EXPECT_EQ(closed_check("/metrics").reason, "signed-in-only");
  EXPECT_EQ(closed_check("/api/stream").reason, "signed-in-only");
  EXPECT_TRUE(closed_check("/api/nodes", cookie).allowed);  // reads need no CSRF token
  EXPECT_TRUE(closed_check("/api/nodes", "", "Bearer the-api-token-0123").allowed);
  EXPECT_EQ(closed_check("/api/nodes", "", "Bearer wrong").reason, "bad-token");
  // Always public: health, "who am I", the front end's files.
  EXPECT_TRUE(closed_check("/api/health").allowed);
  EXPECT_TRUE(closed_check("/api/session").allowed);
  EXPECT_TRUE(closed_check("/").allowed);
  EXPECT_TRUE(closed_check("/app.js").allowed);
}

TEST(StaticFiles, ServesFilesUnderTheRootOnly) {
  testing::TempDir dir;
  const fs::path root = dir.path() / "dist";
  fs::create_directories(root / "assets");
  std::ofstream(root / "index.html") << "<html></html>";
  std::ofstream(root / "app.js") << "console.log(1)";
  std::ofstream(root / "assets" / "font.woff2") << "w";
  std::ofstream(root / "assets" / "index.html") << "inner";
  std::ofstream(root / "data.bin") << "?";
  std::ofstream(dir.path() / "secret.txt") << "secret";
  fs::create_symlink(dir.path() / "secret.txt", root / "leak.txt");
  fs::create_directory_symlink(dir.path(), root / "up");

  auto served = [&](const std::string& path) { return resolve_static_file(root.string(), path); };
  ASSERT_TRUE(served("/"));
  EXPECT_EQ(fs::path(served("/")->path).filename(), "index.html");
  EXPECT_EQ(served("/")->mime_type, "text/html; charset=utf-8");
  EXPECT_EQ(served("/app.js")->mime_type, "application/javascript; charset=utf-8");
  EXPECT_EQ(served("/assets/font.woff2")->mime_type, "font/woff2");
  EXPECT_EQ(served("//assets//font.woff2")->mime_type, "font/woff2");
  EXPECT_EQ(fs::path(served("/assets/")->path).parent_path().filename(), "assets");
  EXPECT_EQ(served("/data.bin")->mime_type, "application/octet-stream");
  // Traversal and escapes.
  EXPECT_FALSE(served("/../secret.txt"));
  EXPECT_FALSE(served("/assets/../../secret.txt"));
  EXPECT_FALSE(served("/./app.js"));
  EXPECT_FALSE(served("/leak.txt"));       // a symlink out of the root
  EXPECT_FALSE(served("/up/secret.txt"));  // a directory symlink out of the root
  EXPECT_FALSE(served("/..\\secret.txt"));
  EXPECT_FALSE(served(std::string("/app.js\0x", 9)));
  EXPECT_FALSE(served("/missing.js"));
  EXPECT_FALSE(served("app.js"));
  EXPECT_FALSE(resolve_static_file((dir.path() / "nowhere").string(), "/"));
}

}  // namespace
}  // namespace continuum::adapters::http
