// The data payload (docs/protocol.md): {"node","stage","seq","ts","values",
// optional "hops":[{"node","stage","ts"}]} ("stage" optional in each hop).
// Nested values are flattened into dotted field names here (ValueFlattener).
#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

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

// Written directly rather than through a json tree (this runs for every
// output a stage emits while handling an input, and for every stored row):
// the same text hops_to_json(hops).dump() gives, members in its (sorted)
// order node, stage, ts; strings escaped by the library.
std::string encode_hops(const std::vector<Hop>& hops) {
  std::string out = "[";
  for (const Hop& hop : hops) {
    if (out.size() > 1) out += ',';
    out += "{\"node\":";
    out += json(hop.node).dump();
    if (!hop.stage.empty()) {
      out += ",\"stage\":";
      out += json(hop.stage).dump();
    }
    out += ",\"ts\":";
    out += std::to_string(hop.ts_ms);
    out += '}';
  }
  out += ']';
  return out;
}

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

std::optional<Reading> reject(std::string* why, std::string reason) {
  if (why) *why = std::move(reason);
  return std::nullopt;
}

bool is_integer(const json& value) { return value.is_number_integer(); }

// The one flattening rule for "values" (docs/protocol.md, "Reading"). It
// lives here, in the decoder, so ingest, every store, the API and the node's
// inbound check all see the same field names: an array element is named by
// its index (tip.0), an object member by its key (a.b).
class ValueFlattener {
 public:
  explicit ValueFlattener(Reading* out) : out_(out) {}

  // Adds `value` under `name`, a name of `parts` dot-separated parts.
  bool add(const std::string& name, const json& value, int parts) {
    if (value.is_null()) return true;  // NaN/infinity from the SDK: no value
    if (value.is_object() || value.is_array()) {
      // A member inside would get a name of parts + 1 parts.
      if (parts >= kMaxValueNameParts) {
        error = "\"values\" nest too deep at \"" + name + "\": a flattened field name has at most " +
                std::to_string(kMaxValueNameParts) + " parts (like a.b.c.d)";
        return false;
      }
      if (value.is_object()) {
        for (auto it = value.begin(); it != value.end(); ++it)
          if (!add(name + "." + it.key(), *it, parts + 1)) return false;
      } else {
        std::size_t index = 0;  // counts nulls too: d.2 stays the third point when d.1 is null
        for (const json& element : value)
          if (!add(name + "." + std::to_string(index++), element, parts + 1)) return false;
      }
      return true;
    }
    if (++fields_ > kMaxValueFields) {
      error = "\"values\" hold more than " + std::to_string(kMaxValueFields) +
              " fields (counted after flattening arrays and objects)";
      return false;
    }
    if (value.is_number()) {
      out_->values.emplace_back(name, value.get<double>());
    } else if (value.is_boolean()) {
      out_->values.emplace_back(name, value.get<bool>() ? 1.0 : 0.0);
    } else if (value.is_string()) {
      out_->text_values.emplace_back(name, value.get<std::string>());
    } else {
      error = "\"" + name + "\" is not a number, string, boolean, null, array or object";  // binary: not from JSON text
      return false;
    }
    return true;
  }

  // A flat member may already hold a dot ({"tip.0":1,"tip":[2]}): the stores
  // keep one value per name, so a second one would overwrite the first.
  bool names_are_unique() {
    std::vector<std::string_view> names;
    names.reserve(out_->values.size() + out_->text_values.size());
    for (const auto& value : out_->values) names.push_back(value.first);
    for (const auto& value : out_->text_values) names.push_back(value.first);
    std::sort(names.begin(), names.end());
    auto twice = std::adjacent_find(names.begin(), names.end());
    if (twice == names.end()) return true;
    error = "two members of \"values\" give the same field name \"" + std::string(*twice) + "\" after flattening";
    return false;
  }

  std::string error;

 private:
  Reading* out_;
  std::size_t fields_ = 0;
};

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
  ValueFlattener flattener(&reading);
  for (auto it = values->begin(); it != values->end(); ++it)
    if (!flattener.add(it.key(), *it, 1)) return reject(why, std::move(flattener.error));
  if (!flattener.names_are_unique()) return reject(why, std::move(flattener.error));

  auto hops = doc.find("hops");
  std::string hop_why;
  if (hops != doc.end() && !hops_from_json(*hops, &reading.hops, &hop_why))
    return reject(why, std::move(hop_why));
  return reading;
}

}  // namespace continuum::node
