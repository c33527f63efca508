// The data payload (docs/protocol.md): {"node","stage","seq","ts","values",
// optional "hops":[{"node","ts"}]}.
#include <nlohmann/json.hpp>

#include "continuum/node/reading.h"

namespace continuum::node {

using nlohmann::json;

std::string encode_reading(const Reading& reading) {
  json values = json::object();
  for (const auto& [name, value] : reading.values) values[name] = value;
  for (const auto& [name, text] : reading.text_values) values[name] = text;
  json doc = {{"node", reading.node},
              {"stage", reading.stage},
              {"seq", reading.seq},
              {"ts", reading.ts_ms},
              {"values", std::move(values)}};
  if (!reading.hops.empty()) {
    json hops = json::array();
    for (const Hop& hop : reading.hops) hops.push_back({{"node", hop.node}, {"ts", hop.ts_ms}});
    doc["hops"] = std::move(hops);
  }
  return doc.dump();
}

namespace {

std::optional<Reading> reject(std::string* why, const char* reason) {
  if (why) *why = reason;
  return std::nullopt;
}

bool is_integer(const json& value) { return value.is_number_integer(); }

}  // namespace

std::optional<Reading> decode_reading(std::string_view text, std::string* why) {
  // No exceptions: a malformed document parses to a "discarded" value.
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return reject(why, "payload is not a JSON object");

  Reading reading;
  auto node = doc.find("node");
  auto stage = doc.find("stage");
  auto seq = doc.find("seq");
  auto ts = doc.find("ts");
  auto values = doc.find("values");
  if (node == doc.end() || !node->is_string() || node->get_ref<const std::string&>().empty())
    return reject(why, "\"node\" must be a non-empty string");
  if (stage == doc.end() || !stage->is_string() || stage->get_ref<const std::string&>().empty())
    return reject(why, "\"stage\" must be a non-empty string");
  if (seq == doc.end() || !is_integer(*seq) || (seq->is_number_integer() && !seq->is_number_unsigned() &&
                                                seq->get<int64_t>() < 0))
    return reject(why, "\"seq\" must be a non-negative integer");
  if (ts == doc.end() || !is_integer(*ts)) return reject(why, "\"ts\" must be an integer (ms since epoch)");
  if (values == doc.end() || !values->is_object()) return reject(why, "\"values\" must be an object");

  reading.node = node->get<std::string>();
  reading.stage = stage->get<std::string>();
  reading.seq = seq->get<uint64_t>();
  reading.ts_ms = ts->get<int64_t>();
  for (auto it = values->begin(); it != values->end(); ++it) {
    if (it->is_number()) {
      reading.values.emplace_back(it.key(), it->get<double>());
    } else if (it->is_boolean()) {
      reading.values.emplace_back(it.key(), it->get<bool>() ? 1.0 : 0.0);
    } else if (it->is_string()) {
      reading.text_values.emplace_back(it.key(), it->get<std::string>());
    } else if (!it->is_null()) {
      return reject(why, "every value must be a number, a string, a boolean or null");
    }
  }

  auto hops = doc.find("hops");
  if (hops != doc.end()) {
    if (!hops->is_array()) return reject(why, "\"hops\" must be an array");
    for (const json& hop : *hops) {
      if (!hop.is_object() || !hop.contains("node") || !hop["node"].is_string() || !hop.contains("ts") ||
          !is_integer(hop["ts"]))
        return reject(why, "each hop must be {\"node\": string, \"ts\": integer}");
      reading.hops.push_back({hop["node"].get<std::string>(), hop["ts"].get<int64_t>()});
    }
  }
  return reading;
}

}  // namespace continuum::node
