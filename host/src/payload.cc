#include "continuum/host/payload.h"

#include <nlohmann/json.hpp>

namespace continuum::host {

using nlohmann::json;

bool prepare_envelope_values(std::string_view values, std::string* text, std::string* error) {
  size_t first = values.find_first_not_of(" \t\r\n");
  size_t last = values.find_last_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    *error = "values are empty";
    return false;
  }
  values = values.substr(first, last - first + 1);
  // Checked without building a tree (this runs for every emitted message):
  // valid JSON that starts with '{' is an object.
  if (values.front() != '{' || !json::accept(values)) {
    *error = "values must be a JSON object";
    return false;
  }
  // Line-oriented consumers read one message per line: multi-line values
  // are re-serialised compactly; otherwise they are kept exactly as emitted.
  if (values.find_first_of("\r\n") == std::string_view::npos) text->assign(values);
  else *text = json::parse(values).dump();
  return true;
}

std::string envelope_text(const Envelope& e, std::string_view values_text) {
  std::string node = json(e.node).dump(), stage = json(e.stage).dump();
  std::string out;
  out.reserve(64 + node.size() + stage.size() + values_text.size() + e.hops_json.size());
  out.append("{\"node\":").append(node).append(",\"stage\":").append(stage);
  out.append(",\"seq\":").append(std::to_string(e.seq)).append(",\"ts\":").append(std::to_string(e.ts_ms));
  out.append(",\"values\":").append(values_text);
  if (!e.hops_json.empty()) out.append(",\"hops\":").append(e.hops_json);
  out.push_back('}');
  return out;
}

bool make_envelope(const Envelope& e, std::string* out, std::string* error) {
  std::string values;
  if (!prepare_envelope_values(e.values_json, &values, error)) return false;
  *out = envelope_text(e, values);
  return true;
}

bool parse_envelope(std::string_view text, Envelope* out, std::string* error) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    *error = "not a JSON object";
    return false;
  }
  auto need = [&](const char* key, bool ok) {
    if (!ok) *error = std::string("missing or mistyped \"") + key + "\"";
    return ok;
  };
  if (!need("node", j.contains("node") && j["node"].is_string()) ||
      !need("stage", j.contains("stage") && j["stage"].is_string()) ||
      !need("seq", j.contains("seq") && j["seq"].is_number_unsigned()) ||
      !need("ts", j.contains("ts") && j["ts"].is_number_integer()) ||
      !need("values", j.contains("values") && j["values"].is_object()))
    return false;
  out->node = j["node"].get<std::string>();
  out->stage = j["stage"].get<std::string>();
  out->seq = j["seq"].get<uint64_t>();
  out->ts_ms = j["ts"].get<int64_t>();
  out->values_json = j["values"].dump();
  out->hops_json = j.contains("hops") && j["hops"].is_array() ? j["hops"].dump() : std::string();
  return true;
}

}  // namespace continuum::host
