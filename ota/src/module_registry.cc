#include "continuum/ota/module_registry.h"

#include <algorithm>

#include "continuum/ota/semver.h"
#include "continuum/ota/signature.h"

namespace continuum::ota {

std::optional<ModuleRecord> describe_for_registry(std::string_view module, const Crypto& crypto, std::string* error) {
  auto parts = split_signature(module, error);
  if (!parts) return std::nullopt;
  if (!parts->signature) {
    *error = "module has no ctm.signature section (sign it with `continuum sign` first: the registry names "
             "modules by their signed name and version)";
    return std::nullopt;
  }
  const SignedManifest& m = parts->signature->manifest;
  if (m.name.empty() || !parse_semver(m.version, error)) {
    if (m.name.empty()) *error = "signed name is empty";
    return std::nullopt;
  }
  auto info = describe_module(module, error);
  if (!info) return std::nullopt;
  ModuleRecord r;
  r.sha256 = to_hex(crypto.sha256(module));
  r.name = m.name;
  r.version = m.version;
  r.key_id = m.key_id;
  r.size = module.size();
  r.imports = std::move(info->imports);
  r.required_grants = std::move(info->required_grants);
  return r;
}

void sort_records(std::vector<ModuleRecord>& records) {
  std::sort(records.begin(), records.end(), [](const ModuleRecord& a, const ModuleRecord& b) {
    if (a.name != b.name) return a.name < b.name;
    auto va = parse_semver(a.version), vb = parse_semver(b.version);
    if (va && vb) {
      if (int c = compare_precedence(*va, *vb)) return c < 0;
    }
    return a.version < b.version;
  });
}

}  // namespace continuum::ota
