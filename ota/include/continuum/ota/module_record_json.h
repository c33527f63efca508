// A registry entry as JSON, the one shape both the CLI (`continuum registry
// ... --json`) and the HTTP API (/api/modules) print. Header-only: its users
// already link nlohmann-json, the ota core itself does not expose it.
#pragma once

#include <nlohmann/json.hpp>

#include "continuum/ota/module_registry.h"

namespace continuum::ota {

// Json: nlohmann::json (keys sorted, as the API prints) or nlohmann::ordered_json
// (keys in this order, as the CLI prints).
template <class Json>
Json module_record_json(const ModuleRecord& r) {
  Json imports = Json::array();
  for (const auto& i : r.imports) imports.push_back({{"module", i.module}, {"name", i.name}, {"kind", i.kind}});
  return {{"sha256", r.sha256}, {"name", r.name},       {"version", r.version},
          {"size", r.size},     {"key_id", r.key_id},   {"required_grants", r.required_grants},
          {"imports", imports}, {"added_ms", r.added_ms}};
}

}  // namespace continuum::ota
