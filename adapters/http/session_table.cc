#include "session_table.h"

#include <algorithm>

namespace continuum::adapters::http {

SessionTable::SessionTable(int64_t ttl_ms, std::size_t max_sessions, std::function<std::string()> new_secret)
    : ttl_ms_(ttl_ms), max_sessions_(std::max<std::size_t>(max_sessions, 1)), new_secret_(std::move(new_secret)) {}

Session SessionTable::create(const std::string& user, int64_t now_ms) {
  Session s;
  s.id = new_secret_();
  s.csrf_token = new_secret_();
  s.user = user;
  s.created_ms = now_ms;
  s.expires_ms = now_ms + ttl_ms_;
  std::lock_guard lock(mutex_);
  for (auto it = sessions_.begin(); it != sessions_.end();) it = it->second.expires_ms <= now_ms ? sessions_.erase(it) : ++it;
  while (sessions_.size() >= max_sessions_) {
    auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](const auto& a, const auto& b) {
      return a.second.created_ms < b.second.created_ms;
    });
    sessions_.erase(oldest);
  }
  sessions_[s.id] = s;
  return s;
}

std::optional<Session> SessionTable::find(const std::string& id, int64_t now_ms) {
  if (id.empty()) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.expires_ms <= now_ms) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

void SessionTable::remove(const std::string& id) {
  std::lock_guard lock(mutex_);
  sessions_.erase(id);
}

std::size_t SessionTable::size() {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace continuum::adapters::http
