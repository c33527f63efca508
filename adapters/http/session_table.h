// The signed-in sessions of the HTTP API: id (the cookie) -> CSRF token and
// expiry. Pure logic: the caller passes the time and where secrets come
// from, so tests drive expiry with a fake clock. Thread-safe (httplib serves
// requests on several threads). In memory only: a restarted node forgets its
// sessions and the dashboard signs in again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace continuum::adapters::http {

struct Session {
  std::string id;          // the cookie value
  std::string csrf_token;  // sent back in X-CSRF-Token on every write
  std::string user;
  int64_t created_ms = 0, expires_ms = 0;
};

class SessionTable {
 public:
  // new_secret: a fresh unguessable token per call (random_hex(32)).
  SessionTable(int64_t ttl_ms, std::size_t max_sessions, std::function<std::string()> new_secret);

  // A new session; when the table is full the oldest session goes.
  Session create(const std::string& user, int64_t now_ms);
  // The live session with this id (expired ones are removed here).
  std::optional<Session> find(const std::string& id, int64_t now_ms);
  void remove(const std::string& id);
  std::size_t size();
  int64_t ttl_ms() const { return ttl_ms_; }

 private:
  int64_t ttl_ms_;
  std::size_t max_sessions_;
  std::function<std::string()> new_secret_;
  std::mutex mutex_;
  std::map<std::string, Session> sessions_;
};

}  // namespace continuum::adapters::http
