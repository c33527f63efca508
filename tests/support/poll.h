// Waiting for a condition in tests: poll until it holds or a generous limit
// passes (the machine is shared and loaded), never a fixed sleep.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace continuum::testing {

// True as soon as `condition` holds; after `limit` it is asked once more.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

}  // namespace continuum::testing
