// Reading envelopes (docs/protocol.md) for tests that publish input to a
// node's stages or ingest, as a node "gen" with a stage "src" would.
#pragma once

#include <cstdint>
#include <string>

namespace continuum::testing {

// Probe soil-1's reading number `seq`; `value` is the JSON number text of
// its value. ts is fixed, t_ms follows seq.
inline std::string gen_soil_envelope(uint64_t seq, const std::string& value) {
  return "{\"node\":\"gen\",\"stage\":\"src\",\"seq\":" + std::to_string(seq) +
         ",\"ts\":1763712000000,\"values\":{\"sensor\":\"soil-1\",\"t_ms\":" + std::to_string(1763712000000 + seq) +
         ",\"value\":" + value + ",\"status\":\"ok\"}}";
}

}  // namespace continuum::testing
