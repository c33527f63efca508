// Collects the messages a bus delivers, for tests to wait on.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "continuum/node/message_bus.h"

namespace continuum::testing {

class Collector {
 public:
  void attach(node::MessageBus& bus) {
    bus.set_message_handler([this](const node::Message& message) { add(message); });
  }
  void add(const node::Message& message) {
    std::lock_guard lock(mutex_);
    messages_.push_back(message);
    arrived_.push_back(std::chrono::steady_clock::now());
    changed_.notify_all();
  }
  // Waits until at least `count` messages arrived; returns what arrived.
  std::vector<node::Message> wait_for(std::size_t count, int timeout_ms) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return messages_.size() >= count; });
    return messages_;
  }
  std::vector<node::Message> snapshot() {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  // When each message of snapshot() arrived (for benchmarks timing a reaction).
  std::vector<std::chrono::steady_clock::time_point> arrival_times() {
    std::lock_guard lock(mutex_);
    return arrived_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<node::Message> messages_;
  std::vector<std::chrono::steady_clock::time_point> arrived_;
};

}  // namespace continuum::testing
