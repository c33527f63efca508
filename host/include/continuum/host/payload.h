// The JSON envelope of every message at the MQTT boundary (docs/host-abi.md,
// "Payload schema"): the node wraps what a module emits, and hands whole
// envelopes to modules that receive.
//   {"node":"edge-1","stage":"soil-control","seq":42,"ts":1763712000123,"values":{...}}
// plus "hops":[...] when the message was emitted while handling an input
// (the path the origin's reading took; docs/protocol.md, "Latency").
#pragma once

#include <stdint.h>

#include <string>
#include <string_view>

namespace continuum::host {

struct Envelope {
  std::string node;
  std::string stage;
  uint64_t seq = 0;
  int64_t ts_ms = 0;        // origin wall-clock time, ms since the Unix epoch
  std::string values_json;  // a JSON object, kept as text (the module's number formatting)
  std::string hops_json;    // a JSON array written after "values", or empty for no "hops" member
};

// The envelope's text; false + *error if values_json is not a JSON object.
// The values are copied byte for byte (minus surrounding white space).
bool make_envelope(const Envelope& e, std::string* out, std::string* error);

// make_envelope in two steps, for a caller that must know the values are
// valid before it gives the envelope its seq (the node agent: a refused
// output must not use up a number), without checking them twice:
// prepare_envelope_values checks VALUES and gives their text as the envelope
// carries it; envelope_text then only writes (e.values_json is not read).
bool prepare_envelope_values(std::string_view values, std::string* text, std::string* error);
std::string envelope_text(const Envelope& e, std::string_view values_text);

// Reads an envelope; false + *error naming the first missing or mistyped field.
bool parse_envelope(std::string_view text, Envelope* out, std::string* error);

}  // namespace continuum::host
