// The one access check of the HTTP API (docs/api.md "Sign-in, sessions and
// tokens"), run before routing so every route is covered, including routes
// other parts add later: writes (any method but GET/HEAD, except POST
// /api/login) need a session + its CSRF token or the API token; reads need
// either only when reads are not public. Pure logic over the request's
// method, path and headers; the sessions live in a SessionTable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "session_table.h"

namespace continuum::adapters::http {

inline constexpr const char* kSessionCookie = "ctm_session";
inline constexpr const char* kCsrfHeader = "X-CSRF-Token";

struct AccessRequest {
  std::string method, path;
  std::string cookie;         // the Cookie header, as sent
  std::string csrf;           // the X-CSRF-Token header
  std::string authorization;  // the Authorization header
};

struct AccessDecision {
  bool allowed = false;
  std::string via;                 // "session", "token" or "anonymous"
  std::optional<Session> session;  // when a live session came with the request
  int status = 0;                  // refused: 401 or 403
  std::string reason, message;     // refused: docs/api.md's reason and a sentence
};

struct AccessPolicy {
  std::string api_token;     // empty: no bearer access
  bool public_reads = true;  // read_access = "public"
};

// The value of `name` in a Cookie header ("a=1; ctm_session=abc"), or "".
std::string cookie_value(const std::string& cookie_header, const std::string& name);

// The token of "Bearer <token>" (case-insensitive scheme), or nullopt.
std::optional<std::string> bearer_token(const std::string& authorization);

class AuthGate {
 public:
  AuthGate(AccessPolicy policy, SessionTable& sessions) : policy_(std::move(policy)), sessions_(sessions) {}

  AccessDecision check(const AccessRequest& request, int64_t now_ms);
  // Who the request is (session or token), checking nothing else: for
  // GET /api/session and POST /api/logout.
  AccessDecision identify(const AccessRequest& request, int64_t now_ms);
  bool public_reads() const { return policy_.public_reads; }

 private:
  AccessPolicy policy_;
  SessionTable& sessions_;
};

}  // namespace continuum::adapters::http
