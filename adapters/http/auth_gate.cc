#include "auth_gate.h"

#include <algorithm>
#include <cctype>

#include "continuum/adapters/password_hash.h"

namespace continuum::adapters::http {

namespace {

AccessDecision refuse(int status, std::string reason, std::string message) {
  AccessDecision d;
  d.status = status;
  d.reason = std::move(reason);
  d.message = std::move(message);
  return d;
}

AccessDecision allow(std::string via, std::optional<Session> session = std::nullopt) {
  AccessDecision d;
  d.allowed = true;
  d.via = std::move(via);
  d.session = std::move(session);
  return d;
}

// Always reachable: liveness probes, "am I signed in?", the sign-in itself
// and the static front end (the sign-in page must load).
bool always_public(const AccessRequest& r) {
  const bool read = r.method == "GET" || r.method == "HEAD";
  if (r.method == "POST" && r.path == "/api/login") return true;
  if (!read) return false;
  if (r.path == "/api/health" || r.path == "/api/session") return true;
  return r.path.rfind("/api/", 0) != 0 && r.path != "/api" && r.path != "/metrics";
}

}  // namespace

std::string cookie_value(const std::string& cookie_header, const std::string& name) {
  std::size_t pos = 0;
  while (pos < cookie_header.size()) {
    std::size_t end = cookie_header.find(';', pos);
    if (end == std::string::npos) end = cookie_header.size();
    std::string_view part(cookie_header.data() + pos, end - pos);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    const std::size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) {
      std::string_view value = part.substr(eq + 1);
      while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
      return std::string(value);
    }
    pos = end + 1;
  }
  return "";
}

std::optional<std::string> bearer_token(const std::string& authorization) {
  if (authorization.size() < 7) return std::nullopt;
  std::string scheme = authorization.substr(0, 7);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  if (scheme != "bearer ") return std::nullopt;
  std::string token = authorization.substr(7);
  token.erase(0, token.find_first_not_of(' '));
  while (!token.empty() && token.back() == ' ') token.pop_back();
  return token;
}

AccessDecision AuthGate::identify(const AccessRequest& request, int64_t now_ms) {
  if (!request.authorization.empty()) {
    std::optional<std::string> token = bearer_token(request.authorization);
    if (!token || policy_.api_token.empty() || !secrets_equal(*token, policy_.api_token))
      return refuse(401, "bad-token",
                    "the Authorization header holds no valid API token; expected Authorization: Bearer <the node's "
                    "API token> (docs/api.md)");
    return allow("token");
  }
  const std::string id = cookie_value(request.cookie, kSessionCookie);
  if (id.empty())
    return refuse(401, "no-session",
                  "this request changes the system: sign in (POST /api/login) or send Authorization: Bearer <API token>");
  std::optional<Session> session = sessions_.find(id, now_ms);
  if (!session) return refuse(401, "session-expired", "the session has expired or was signed out: sign in again (POST /api/login)");
  return allow("session", std::move(session));
}

AccessDecision AuthGate::check(const AccessRequest& request, int64_t now_ms) {
  if (always_public(request)) return allow("anonymous");
  const bool read = request.method == "GET" || request.method == "HEAD";
  if (read && policy_.public_reads && request.authorization.empty()) return allow("anonymous");
  AccessDecision who = identify(request, now_ms);
  if (!who.allowed) {
    if (read && who.reason == "no-session")
      return refuse(403, "signed-in-only",
                    "reading needs signing in on this node (read_access = \"signed-in\"): sign in (POST /api/login) "
                    "or send Authorization: Bearer <API token>");
    return who;
  }
  if (read || who.via == "token") return who;
  // A write with a session cookie: the cookie alone could come from a
  // forged cross-site form, the CSRF token only from our own page.
  if (request.csrf.empty())
    return refuse(403, "no-csrf-token",
                  std::string("missing ") + kCsrfHeader + " header: send the csrf_token of POST /api/login or "
                  "GET /api/session with every write");
  if (!secrets_equal(request.csrf, who.session->csrf_token))
    return refuse(403, "bad-csrf-token",
                  std::string(kCsrfHeader) + " does not match this session's token: fetch it again from GET /api/session");
  return who;
}

}  // namespace continuum::adapters::http
