#include "lineage.h"

#include <nlohmann/json.hpp>
#include <vector>

#include "continuum/node/reading.h"

namespace continuum::node::agent {

Lineage lineage_of_input(std::string_view envelope, std::string_view node, std::string_view stage,
                         int64_t arrival_ms) {
  Lineage out;
  out.origin_ts_ms = arrival_ms;
  std::vector<Hop> hops;
  nlohmann::json doc = nlohmann::json::parse(envelope.begin(), envelope.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_object()) {
    auto ts = doc.find("ts");
    if (ts != doc.end() && ts->is_number_integer()) out.origin_ts_ms = ts->get<int64_t>();
    auto input_hops = doc.find("hops");
    if (input_hops != doc.end() && !decode_hops(input_hops->dump(), &hops)) hops.clear();
  }
  hops.push_back({std::string(node), arrival_ms, std::string(stage)});
  out.hops_json = encode_hops(hops);
  return out;
}

Lineage lineage_of_origin(const InputOrigin& origin, std::string_view node, std::string_view stage,
                          int64_t arrival_ms) {
  Lineage out;
  out.origin_ts_ms = origin.ts_ms;
  std::vector<Hop> hops = origin.hops;
  hops.push_back({std::string(node), arrival_ms, std::string(stage)});
  out.hops_json = encode_hops(hops);
  return out;
}

}  // namespace continuum::node::agent
