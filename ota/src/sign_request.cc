#include "continuum/ota/sign_request.h"

#include "continuum/ota/module_info.h"
#include "continuum/ota/semver.h"
#include "continuum/ota/wasm_sections.h"

namespace continuum::ota {

namespace {

SignRequestOutcome refuse(std::string refusal, std::string message) {
  SignRequestOutcome out;
  out.refusal = std::move(refusal);
  out.message = std::move(message);
  return out;
}

}  // namespace

bool valid_module_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) return false;
  return true;
}

std::optional<std::string> with_declared_grants(std::string_view module, const std::vector<std::string>& grants,
                                                std::string* error) {
  std::optional<std::vector<RawSection>> sections = split_sections(module, error);
  if (!sections) return std::nullopt;
  std::string out(module.substr(0, 8));  // magic + version
  for (const RawSection& s : *sections)
    if (!(s.id == 0 && s.name == kGrantsSection)) out.append(module.substr(s.begin, s.end - s.begin));
  std::string payload;
  for (const std::string& g : grants) payload += g + "\n";
  out += encode_custom_section(kGrantsSection, payload);
  return out;
}

SignRequestOutcome sign_unsigned_module(std::string_view module, const std::string& name, const std::string& version,
                                        const std::vector<std::string>& grants, const Signer& signer,
                                        const Crypto& crypto) {
  if (module.empty()) return refuse("empty", "no module: send the .wasm bytes as the request body");
  if (!valid_module_name(name))
    return refuse("bad-name", "name: expected 1 to 64 of a-z 0-9 . _ - (e.g. my-filter), got \"" + name + "\"");
  std::string error;
  if (!parse_semver(version, &error))
    return refuse("bad-version", "version: expected a semantic version like 0.1.0, got \"" + version + "\": " + error);
  for (const std::string& g : grants)
    if (!valid_grant(g, &error)) return refuse("bad-grant", "grants: \"" + g + "\": " + error);
  std::optional<std::vector<RawSection>> sections = split_sections(module, &error);
  if (!sections) return refuse("malformed", "not a WebAssembly module: " + error);
  for (const RawSection& s : *sections)
    if (s.id == 0 && s.name == kSignatureSection)
      return refuse("already-signed", "the module is signed already: upload it with POST /api/modules");
  std::optional<std::string> declared = with_declared_grants(module, grants, &error);
  if (!declared) return refuse("malformed", "not a WebAssembly module: " + error);
  // The engine decodes and validates it, and checks its continuum imports.
  if (!describe_module(*declared, &error)) {
    const bool import = error.find("import") != std::string::npos;
    return refuse(import ? "unknown-import" : "malformed",
                  (import ? "the module imports what the host does not have: " : "not a valid WebAssembly module: ") + error);
  }
  SignRequestOutcome out;
  out.module = sign_module(*declared, name, version, signer, crypto, &error);
  if (!out.module) return refuse("malformed", "cannot sign the module: " + error);
  return out;
}

}  // namespace continuum::ota
