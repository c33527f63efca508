// Reading: one output of a stage as it travels edge -> fog -> cloud, and its
// JSON payload (docs/protocol.md, "Data payload").
//
// (node, stage, seq) names a reading uniquely: the origin node numbers the
// outputs of each stage, so ingest can store a reading at most once however
// often the network delivers it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace continuum::node {

// A node that forwarded the reading (a fog gateway), with the time it
// received it. The origin's own timestamp is Reading::ts_ms.
struct Hop {
  std::string node;
  int64_t ts_ms = 0;
};

struct Reading {
  std::string node;    // origin node id
  std::string stage;   // stage that produced it
  uint64_t seq = 0;    // per (node, stage), increasing
  int64_t ts_ms = 0;   // origin timestamp, ms since the Unix epoch
  std::vector<std::pair<std::string, double>> values;  // numbers (booleans as 0/1)
  std::vector<Hop> hops;                                // forwarders, in order
  std::vector<std::pair<std::string, std::string>> text_values;  // string members
};

// Encodes a reading as the data payload JSON.
std::string encode_reading(const Reading& reading);

// Parses a data payload; nullopt (with *why set) when it is not a valid
// reading: missing or mistyped node/stage/seq/ts, or a value that is an
// object or array. null values (the SDK writes NaN/infinity as null) are
// skipped. Values come back ordered by name.
std::optional<Reading> decode_reading(std::string_view json, std::string* why = nullptr);

}  // namespace continuum::node
