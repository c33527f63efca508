// Reading envelopes (docs/protocol.md) for tests that publish input to a
// node's stages or ingest, as a node "gen" with a stage "src" would, and
// for tests that read what a node published.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace continuum::testing {

// Probe soil-1's reading number `seq`; `value` is the JSON number text of
// its value. ts is fixed, t_ms follows seq.
inline std::string gen_soil_envelope(uint64_t seq, const std::string& value) {
  return "{\"node\":\"gen\",\"stage\":\"src\",\"seq\":" + std::to_string(seq) +
         ",\"ts\":1763712000000,\"values\":{\"sensor\":\"soil-1\",\"t_ms\":" + std::to_string(1763712000000 + seq) +
         ",\"value\":" + value + ",\"status\":\"ok\"}}";
}

// The envelopes of a data message: one, or each of a batch (docs/protocol.md
// "Batches": a node's outbox sends several readings as one message whenever
// more than one is waiting). Empty when the payload is not a JSON object.
inline std::vector<nlohmann::json> data_message_envelopes(const std::string& payload) {
  nlohmann::json doc = nlohmann::json::parse(payload, nullptr, false);
  if (!doc.is_object()) return {};
  if (doc.contains("batch") && doc["batch"].is_array()) return doc["batch"].get<std::vector<nlohmann::json>>();
  return {std::move(doc)};
}

}  // namespace continuum::testing
