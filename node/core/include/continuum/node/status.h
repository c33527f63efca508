// Status: the outcome of an adapter operation that can fail for reasons
// outside the program (a broker, a file, a server). Adapters never throw; they
// hand the reason back so the node can log it and carry on.
#pragma once

#include <string>
#include <utility>

namespace continuum::node {

struct Status {
  bool ok = true;
  std::string message;  // empty when ok

  static Status success() { return {}; }
  static Status failure(std::string why) { return {false, std::move(why)}; }
  explicit operator bool() const { return ok; }
};

}  // namespace continuum::node
