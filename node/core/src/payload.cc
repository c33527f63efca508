// The data payload (docs/protocol.md): {"node","stage","seq","ts","values",
// optional "hops":[{"node","stage","ts"}]} ("stage" optional in each hop).
#include <nlohmann/json.hpp>

#include "continuum/node/reading.h"

namespace continuum::node {

using nlohmann::json;

namespace {

json hops_to_json(const std::vector<Hop>& hops) {
  json out = json::array();
  for (const Hop& hop : hops) {
    json entry = {{"node", hop.node}};
    if (!hop.stage.empty()) entry["stage"] = hop.stage;
    entry["ts"] = hop.ts_ms;
    out.push_back(std::move(entry));
  }
  return out;
}

constexpr const char* kBadHop =
    "each hop must be {\"node\": string, \"ts\": integer} with an optional \"stage\": string";

bool hops_from_json(const json& hops, std::vector<Hop>* out, std::string* why) {
  if (!hops.is_array()) {
    if (why) *why = "\"hops\" must be an array";
    return false;
  }
  for (const json& hop : hops) {
    auto node = hop.is_object() ? hop.find("node") : hop.end();
    auto ts = hop.is_object() ? hop.find("ts") : hop.end();
    auto stage = hop.is_object() ? hop.find("stage") : hop.end();
    if (!hop.is_object() || node == hop.end() || !node->is_string() || ts == hop.end() ||
        !ts->is_number_integer() || (stage != hop.end() && !stage->is_string())) {
      if (why) *why = kBadHop;
      return false;
    }
    out->push_back({node->get<std::string>(), ts->get<int64_t>(),
                    stage != hop.end() ? stage->get<std::string>() : std::string()});
  }
  return true;
}

}  // namespace

std::string encode_hops(const std::vector<Hop>& hops) { return hops_to_json(hops).dump(); }

bool decode_hops(std::string_view text, std::vector<Hop>* out, std::string* why) {
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  return hops_from_json(doc, out, why);
}

std::string encode_reading(const Reading& reading) {
  json values = json::object();
  for (const auto& [name, value] : reading.values) values[name] = value;
  for (const auto& [name, text] : reading.text_values) values[name] = text;
  json doc = {{"node", reading.node},
              {"stage", reading.stage},
              {"seq", reading.seq},
              {"ts", reading.ts_ms},
              {"values", std::move(values)}};
  if (!reading.hops.empty()) doc["hops"] = hops_to_json(reading.hops);
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
  std::string hop_why;
  if (hops != doc.end() && !hops_from_json(*hops, &reading.hops, &hop_why))
    return reject(why, hop_why.c_str());
  return reading;
}

}  // namespace continuum::node
