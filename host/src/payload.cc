#include "continuum/host/payload.h"

#include <nlohmann/json.hpp>

namespace continuum::host {

using nlohmann::json;

bool make_envelope(const Envelope& e, std::string* out, std::string* error) {
  std::string_view values = e.values_json;
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
  std::string values_text = values.find_first_of("\r\n") == std::string_view::npos
                                ? std::string(values)
                                : json::parse(values).dump();
  *out = "{\"node\":" + json(e.node).dump() + ",\"stage\":" + json(e.stage).dump() +
         ",\"seq\":" + std::to_string(e.seq) + ",\"ts\":" + std::to_string(e.ts_ms) +
         ",\"values\":" + values_text + (e.hops_json.empty() ? "" : ",\"hops\":" + e.hops_json) + "}";
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
