// Slowing down password guessing, per client address: after n failed
// sign-ins in a row the next attempt is accepted only after
// base * 2^(n-1) (capped). An attempt before then is refused without
// checking the password, so nothing sleeps and no server thread is held: the
// guesser just gets fewer tries. Pure logic (the caller passes the time);
// thread-safe; bounded (the oldest client is forgotten first).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace continuum::adapters::http {

struct LoginThrottleConfig {
  int64_t base_delay_ms = 500;
  int64_t max_delay_ms = 60'000;
  int64_t forget_after_ms = 15 * 60'000;  // a client without failures this long starts over
  std::size_t max_clients = 10'000;
};

class LoginThrottle {
 public:
  explicit LoginThrottle(LoginThrottleConfig config = {}) : config_(config) {}

  // 0 when `client` may try now, else how long it must still wait (ms).
  int64_t wait_ms(const std::string& client, int64_t now_ms);
  // Like wait_ms, and when 0 the client's attempt is in flight until
  // failed()/succeeded()/abandon(): a parallel attempt of the same client
  // waits base_delay (so guesses cannot be fired all at once before the
  // first failure is counted).
  int64_t begin(const std::string& client, int64_t now_ms);
  void abandon(const std::string& client);  // the attempt checked no password
  struct Failure {
    uint64_t in_a_row = 0;    // failures without a success between them
    int64_t next_delay_ms = 0;  // the wait before the next attempt
  };
  Failure failed(const std::string& client, int64_t now_ms);
  void succeeded(const std::string& client);

  int64_t delay_after(uint64_t failures) const;

 private:
  struct Entry {
    uint64_t failures = 0;
    int64_t last_failure_ms = 0, allowed_at_ms = 0;
    bool in_flight = false;
  };
  Entry* entry(const std::string& client, int64_t now_ms);  // found or made (bounded); mutex held
  LoginThrottleConfig config_;
  std::mutex mutex_;
  std::map<std::string, Entry> clients_;
};

}  // namespace continuum::adapters::http
