// Wall-clock time in milliseconds since the Unix epoch: the unit of every
// timestamp Continuum puts in a message, a row or a report (docs/protocol.md),
// so that nodes on different machines can be compared.
#pragma once

#include <chrono>
#include <cstdint>

namespace continuum::node {

inline int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace continuum::node
