#include "auth_routes.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "api_json.h"
#include "continuum/adapters/password_hash.h"
#include "route_helpers.h"

namespace continuum::adapters::http {

using nlohmann::json;

namespace {

constexpr const char* kUser = "admin";

AccessRequest access_request(const httplib::Request& req) {
  return {req.method, req.path, req.get_header_value("Cookie"), req.get_header_value(kCsrfHeader),
          req.get_header_value("Authorization")};
}

std::string seconds_text(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(ms) / 1000.0);
  return buf;
}

// The password from {"password": "..."} or a form (password=...).
std::optional<std::string> password_of(const httplib::Request& req) {
  if (req.get_header_value("Content-Type").find("json") != std::string::npos) {
    json doc = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    auto it = doc.is_object() ? doc.find("password") : doc.end();
    if (doc.is_object() && it != doc.end() && it->is_string()) return it->get<std::string>();
    return std::nullopt;
  }
  if (req.has_param("password")) return req.get_param_value("password");
  return std::nullopt;
}

}  // namespace

AuthRoutes::AuthRoutes(HttpAuthConfig config, std::function<int64_t()> now_ms,
                       std::function<void(const FailedLogin&)> on_failed_login)
    : config_(std::move(config)),
      now_ms_(std::move(now_ms)),
      on_failed_login_(std::move(on_failed_login)),
      sessions_(config_.session_ttl_ms, config_.max_sessions, [] { return random_hex(32); }),
      throttle_(LoginThrottleConfig{config_.login_base_delay_ms, config_.login_max_delay_ms}),
      gate_(AccessPolicy{config_.api_token, config_.public_reads}, sessions_) {}

void AuthRoutes::install(httplib::Server& server) {
  server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) { return check(req, res); });
  server.Post("/api/login", [this](const httplib::Request& req, httplib::Response& res) { login(req, res); });
  server.Post("/api/logout", [this](const httplib::Request& req, httplib::Response& res) { logout(req, res); });
  server.Get("/api/session", [this](const httplib::Request& req, httplib::Response& res) { session(req, res); });
}

httplib::Server::HandlerResponse AuthRoutes::check(const httplib::Request& req, httplib::Response& res) {
  AccessDecision d = gate_.check(access_request(req), now_ms_());
  if (d.allowed) return httplib::Server::HandlerResponse::Unhandled;
  reply(res, {{"error", d.message}, {"reason", d.reason}}, d.status);
  // The refused request's body was never read: the connection cannot carry
  // another request after it.
  if (req.has_header("Content-Length") || req.has_header("Transfer-Encoding")) res.set_header("Connection", "close");
  return httplib::Server::HandlerResponse::Handled;
}

std::string AuthRoutes::cookie(const std::string& value, int64_t max_age_s, const httplib::Request& req) const {
  std::string c = std::string(kSessionCookie) + "=" + value + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                  std::to_string(max_age_s);
  if (config_.cookie_secure || req.get_header_value("X-Forwarded-Proto") == "https") c += "; Secure";
  return c;
}

void AuthRoutes::login(const httplib::Request& req, httplib::Response& res) {
  const std::string client = req.remote_addr;
  const int64_t wait = throttle_.begin(client, now_ms_());
  if (wait > 0) {
    res.set_header("Retry-After", std::to_string((wait + 999) / 1000));
    return reply(res,
                 {{"error", "too many failed sign-ins from " + client + "; retry in " + seconds_text(wait) + " s"},
                  {"retry_after_s", static_cast<double>(wait) / 1000.0}},
                 429);
  }
  std::optional<std::string> password = password_of(req);
  if (!password) {
    throttle_.abandon(client);
    return reply(res, {{"error", "expected a JSON body {\"password\":\"...\"} (or a form field password=...)"}}, 400);
  }
  if (config_.admin_password_hash.empty()) {
    throttle_.abandon(client);
    return reply(res, {{"error", "this node has no administrator password: sign-in is off (use the API token)"}}, 503);
  }
  if (!verify_password(*password, config_.admin_password_hash)) {
    LoginThrottle::Failure f = throttle_.failed(client, now_ms_());
    std::fprintf(stderr, "http: failed sign-in from %s (%llu in a row); next attempt allowed in %s s\n", client.c_str(),
                 static_cast<unsigned long long>(f.in_a_row), seconds_text(f.next_delay_ms).c_str());
    std::fflush(stderr);
    if (on_failed_login_) on_failed_login_({client, f.in_a_row, f.next_delay_ms});
    return reply(res, {{"error", "wrong password"}, {"retry_after_s", static_cast<double>(f.next_delay_ms) / 1000.0}},
                 401);
  }
  throttle_.succeeded(client);
  Session s = sessions_.create(kUser, now_ms_());
  res.set_header("Set-Cookie", cookie(s.id, sessions_.ttl_ms() / 1000, req));
  res.set_header("Cache-Control", "no-store");
  reply(res, {{"user", s.user}, {"csrf_token", s.csrf_token}, {"expires_ms", s.expires_ms}}, 200);
}

void AuthRoutes::logout(const httplib::Request& req, httplib::Response& res) {
  // The pre-routing check let it through: a session with its CSRF token, or the API token.
  const std::string id = cookie_value(req.get_header_value("Cookie"), kSessionCookie);
  if (!id.empty()) sessions_.remove(id);
  res.set_header("Set-Cookie", cookie("", 0, req));
  reply(res, {{"signed_in", false}}, 200);
}

void AuthRoutes::session(const httplib::Request& req, httplib::Response& res) {
  AccessDecision who = gate_.identify(access_request(req), now_ms_());
  const char* reads = gate_.public_reads() ? "public" : "signed-in";
  res.set_header("Cache-Control", "no-store");
  if (!who.allowed) return reply(res, {{"signed_in", false}, {"read_access", reads}}, 200);
  json doc = {{"signed_in", true}, {"via", who.via}, {"read_access", reads}};
  if (who.session) {
    doc["user"] = who.session->user;
    doc["csrf_token"] = who.session->csrf_token;
    doc["expires_ms"] = who.session->expires_ms;
  } else {
    doc["user"] = kUser;
  }
  reply(res, doc, 200);
}

}  // namespace continuum::adapters::http
