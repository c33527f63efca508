// What a stage's output inherits from the input it is handling, so latency
// can be measured from the sensor across every hop (docs/protocol.md,
// "Latency"): the input's origin ts, and the input's hops plus one hop for
// this stage with the time the input arrived at this node.
// Outputs of ticks and init have no lineage: ts = now, no hops.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "continuum/node/reading.h"

namespace continuum::node::agent {

struct Lineage {
  int64_t origin_ts_ms = 0;
  std::string hops_json;  // the "hops" array for the output envelope
};

// What an input envelope says about where it came from, decoded once when it
// arrived (the inbound check parses every data message anyway), so the
// delivery does not parse it again.
struct InputOrigin {
  int64_t ts_ms = 0;
  std::vector<Hop> hops;
};

Lineage lineage_of_origin(const InputOrigin& origin, std::string_view node, std::string_view stage,
                          int64_t arrival_ms);

// From an input envelope that arrived (was enqueued) at arrival_ms. An input
// without a usable "ts" (not an envelope) counts as originating on arrival;
// hops that are not a valid array are dropped (the new hop is still added).
Lineage lineage_of_input(std::string_view envelope, std::string_view node, std::string_view stage,
                         int64_t arrival_ms);

}  // namespace continuum::node::agent
