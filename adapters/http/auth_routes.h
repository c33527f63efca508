// Sign-in for the HTTP API (docs/api.md "Sign-in, sessions and tokens"):
// the access check before routing (AuthGate, so every route added by anyone
// is covered) and the routes POST /api/login, POST /api/logout and
// GET /api/session. Failed sign-ins are throttled per client address
// (LoginThrottle: refused early, nothing sleeps), logged on stderr and
// reported to `on_failed_login` (the events log).
#pragma once

#include <httplib.h>

#include <functional>
#include <string>

#include "auth_gate.h"
#include "continuum/adapters/http_api.h"
#include "login_throttle.h"
#include "session_table.h"

namespace continuum::adapters::http {

struct FailedLogin {
  std::string client;
  uint64_t in_a_row = 0;
  int64_t next_delay_ms = 0;
};

class AuthRoutes {
 public:
  AuthRoutes(HttpAuthConfig config, std::function<int64_t()> now_ms,
             std::function<void(const FailedLogin&)> on_failed_login);

  // The pre-routing check and the three routes.
  void install(httplib::Server& server);

 private:
  void login(const httplib::Request& req, httplib::Response& res);
  void logout(const httplib::Request& req, httplib::Response& res);
  void session(const httplib::Request& req, httplib::Response& res);
  httplib::Server::HandlerResponse check(const httplib::Request& req, httplib::Response& res);
  std::string cookie(const std::string& value, int64_t max_age_s, const httplib::Request& req) const;

  HttpAuthConfig config_;
  std::function<int64_t()> now_ms_;
  std::function<void(const FailedLogin&)> on_failed_login_;
  SessionTable sessions_;
  LoginThrottle throttle_;
  AuthGate gate_;
};

}  // namespace continuum::adapters::http
