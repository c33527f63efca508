// Reading: one output of a stage as it travels edge -> fog -> cloud, and its
// JSON payload (docs/protocol.md, "Data payload").
//
// (node, stage, seq) names a reading uniquely: the origin node numbers the
// outputs of each stage, so ingest can store a reading at most once however
// often the network delivers it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace continuum::node {

// A node the reading passed through before this message: a stage that
// emitted this message while handling an input inherits the input's origin
// ts and appends itself here, with the time the input arrived at its node
// (enqueued, so queueing before the stage ran is part of the next leg).
// The origin's own timestamp is Reading::ts_ms.
struct Hop {
  std::string node;
  int64_t ts_ms = 0;
  std::string stage;  // the stage that handled it; empty in payloads written before hops named stages
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

// How far decode_reading() flattens "values" (docs/protocol.md, "Reading"):
// a field name has at most this many dot-separated parts ("a.b.c.d"), and a
// reading at most this many fields. Both bound the work and the rows one
// message can cause in the stores; anything past them is rejected, never cut.
inline constexpr int kMaxValueNameParts = 4;
inline constexpr std::size_t kMaxValueFields = 256;

// Parses a data payload; nullopt (with *why set) when it is not a valid
// reading: missing or mistyped node/stage/seq/ts, values nested deeper than
// kMaxValueNameParts, more than kMaxValueFields fields, or two members that
// flatten to the same name. Nested values are flattened into dotted names:
// {"tip":[1,2,3]} gives tip.0, tip.1, tip.2 and {"a":{"b":1}} gives a.b.
// null values and elements (the SDK writes NaN/infinity as null) are skipped
// (an array keeps its other indexes), as are empty arrays and objects.
// Values come back in payload order: object members by name (nlohmann keeps
// them sorted), array elements by index.
std::optional<Reading> decode_reading(std::string_view json, std::string* why = nullptr);

// The "hops" array alone, as JSON text ("[]" for none): the stores keep it in
// one column/field, and the node agent appends its hop to an input's hops.
std::string encode_hops(const std::vector<Hop>& hops);
// Reads such an array; false (with *why set) when it is not an array of
// {"node": string, "ts": integer, optional "stage": string}.
bool decode_hops(std::string_view json, std::vector<Hop>* out, std::string* why = nullptr);

}  // namespace continuum::node
