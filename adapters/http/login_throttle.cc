#include "login_throttle.h"

#include <algorithm>

namespace continuum::adapters::http {

int64_t LoginThrottle::delay_after(uint64_t failures) const {
  if (failures == 0) return 0;
  int64_t delay = config_.base_delay_ms;
  for (uint64_t i = 1; i < failures && delay < config_.max_delay_ms; ++i) delay *= 2;
  return std::min(delay, config_.max_delay_ms);
}

int64_t LoginThrottle::wait_ms(const std::string& client, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto it = clients_.find(client);
  if (it == clients_.end()) return 0;
  if (now_ms - it->second.last_failure_ms >= config_.forget_after_ms) {
    clients_.erase(it);
    return 0;
  }
  return std::max<int64_t>(0, it->second.allowed_at_ms - now_ms);
}

LoginThrottle::Entry* LoginThrottle::entry(const std::string& client, int64_t now_ms) {
  auto it = clients_.find(client);
  if (it != clients_.end() && !it->second.in_flight && now_ms - it->second.last_failure_ms >= config_.forget_after_ms) {
    clients_.erase(it);
    it = clients_.end();
  }
  if (it == clients_.end()) {
    if (clients_.size() >= config_.max_clients) {
      auto oldest = std::min_element(clients_.begin(), clients_.end(), [](const auto& a, const auto& b) {
        return a.second.last_failure_ms < b.second.last_failure_ms;
      });
      clients_.erase(oldest);
    }
    Entry fresh;
    fresh.last_failure_ms = now_ms;  // forgotten forget_after_ms from now at the earliest
    it = clients_.emplace(client, fresh).first;
  }
  return &it->second;
}

int64_t LoginThrottle::begin(const std::string& client, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  Entry* e = entry(client, now_ms);
  if (e->in_flight) return config_.base_delay_ms;
  const int64_t wait = std::max<int64_t>(0, e->allowed_at_ms - now_ms);
  if (wait == 0) e->in_flight = true;
  return wait;
}

void LoginThrottle::abandon(const std::string& client) {
  std::lock_guard lock(mutex_);
  auto it = clients_.find(client);
  if (it == clients_.end()) return;
  it->second.in_flight = false;
  if (it->second.failures == 0) clients_.erase(it);
}

LoginThrottle::Failure LoginThrottle::failed(const std::string& client, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  Entry& e = *entry(client, now_ms);
  e.in_flight = false;
  ++e.failures;
  e.last_failure_ms = now_ms;
  const int64_t delay = delay_after(e.failures);
  e.allowed_at_ms = now_ms + delay;
  return {e.failures, delay};
}

void LoginThrottle::succeeded(const std::string& client) {
  std::lock_guard lock(mutex_);
  clients_.erase(client);
}

}  // namespace continuum::adapters::http
