// Events per second over a sliding window (the heartbeat's in_per_s,
// out_per_s, published_per_s): a small ring of per-second counters, so a
// rate shows what a stage does now, not its average since the node started.
// Not thread-safe: the agent updates and reads it under its stats mutex.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

namespace continuum::node::agent {

class RateWindow {
 public:
  // Milliseconds on a monotonic clock; injected by the tests.
  using NowMs = std::function<int64_t()>;
  static int64_t steady_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  explicit RateWindow(int window_s = 10, NowMs now = steady_now_ms)
      : now_(std::move(now)), counts_(window_s > 0 ? window_s : 1, 0), seconds_(counts_.size(), -1),
        start_ms_(now_()) {}

  void add(uint64_t n = 1) {
    int64_t second = floor_div(now_(), 1000);
    std::size_t i = slot(second);
    if (seconds_[i] != second) {  // the slot last counted a second that left the window
      seconds_[i] = second;
      counts_[i] = 0;
    }
    counts_[i] += n;
  }

  // Events in the window divided by the time it covers: the last window_s
  // whole seconds up to now (the current second counts as far as it has
  // gone), or less while the counter is younger than that. At least one
  // second, so a burst right after the start does not read as a huge rate.
  double per_second() const {
    int64_t now = now_();
    int64_t second = floor_div(now, 1000);
    int64_t oldest = second - static_cast<int64_t>(counts_.size()) + 1;
    uint64_t total = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i)
      if (seconds_[i] >= oldest && seconds_[i] <= second) total += counts_[i];
    int64_t covered_ms = now - std::max(start_ms_, oldest * 1000);
    double covered_s = std::max<int64_t>(covered_ms, 1000) / 1000.0;
    return static_cast<double>(total) / covered_s;
  }

  int window_s() const { return static_cast<int>(counts_.size()); }

 private:
  static int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
  std::size_t slot(int64_t second) const {
    int64_t n = static_cast<int64_t>(counts_.size());
    return static_cast<std::size_t>(((second % n) + n) % n);
  }

  NowMs now_;
  std::vector<uint64_t> counts_;
  std::vector<int64_t> seconds_;  // which second each slot counts
  int64_t start_ms_;
};

}  // namespace continuum::node::agent
