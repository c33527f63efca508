#include "continuum/ota/module_info.h"

#include <algorithm>
#include <set>

#include "continuum/engine/module.h"
#include "continuum/engine/port.h"
#include "continuum/engine/result.h"

namespace continuum::ota {

namespace {

// The grant kinds and host functions, from the one ABI table (sdk/abi).
enum class GrantKind {
#define CTM_GRANT(NAME, text, named, doc) NAME,
#include "continuum_grants.def"
#undef CTM_GRANT
};

struct GrantKindInfo {
  std::string_view text;
  bool named;
};

constexpr GrantKindInfo kGrantKinds[] = {
#define CTM_GRANT(NAME, text, named, doc) {text, named != 0},
#include "continuum_grants.def"
#undef CTM_GRANT
};

struct HostFunction {
  std::string_view name;
  GrantKind grant;
};

constexpr HostFunction kHostFunctions[] = {
#define CTM_IMPORT(name, result, grant, nparams, params, doc) {#name, GrantKind::grant},
#include "continuum_abi.def"
#undef CTM_IMPORT
};

constexpr std::string_view kHostModule = "continuum";

const GrantKindInfo* find_kind(std::string_view text) {
  for (const GrantKindInfo& k : kGrantKinds)
    if (k.text == text && text != "none") return &k;
  return nullptr;
}

std::string_view range_text(const engine::Module& m, engine::ByteRange r) { return {m.name_ptr(r), r.size}; }

}  // namespace

bool valid_grant(std::string_view grant, std::string* error) {
  size_t colon = grant.find(':');
  std::string_view kind = grant.substr(0, colon);
  const GrantKindInfo* info = find_kind(kind);
  if (!info) {
    *error = "unknown grant kind in '" + std::string(grant) +
             "' (expected sensor:NAME, actuator:NAME, serial:NAME, emit:PORT, config, kv or random)";
    return false;
  }
  bool has_resource = colon != std::string_view::npos;
  if (info->named && (!has_resource || colon + 1 == grant.size())) {
    *error = "grant '" + std::string(grant) + "' needs a resource name (" + std::string(kind) + ":NAME or " +
             std::string(kind) + ":*)";
    return false;
  }
  if (!info->named && has_resource) {
    *error = "grant '" + std::string(grant) + "' takes no resource (write just '" + std::string(kind) + "')";
    return false;
  }
  return true;
}

std::optional<ModuleInfo> describe_module(std::string_view bytes, std::string* error) {
  auto decoded = engine::decode_module(engine::port::system_allocator(), reinterpret_cast<const uint8_t*>(bytes.data()),
                                       bytes.size());
  if (!decoded.ok()) {
    char text[256];
    engine::format_error(decoded.error(), text, sizeof text);
    *error = std::string("invalid module: ") + text;
    return std::nullopt;
  }
  const engine::Module& m = *decoded.value();
  ModuleInfo info;
  info.size = bytes.size();
  if (m.num_memories() > 0) info.memory_min_bytes = m.memory_type(0).limits.min * 65536;

  std::set<std::string> required;
  std::set<std::string_view> declared_kinds;
  for (const engine::CustomSection& c : m.customs) {
    if (range_text(m, c.name) != kGrantsSection) continue;
    std::string_view text = range_text(m, c.payload);
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = text.substr(start, end - start);
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
      while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      if (!line.empty()) {
        std::string why;
        if (!valid_grant(line, &why)) {
          *error = "ctm.grants section: " + why;
          return std::nullopt;
        }
        info.declared_grants.emplace_back(line);
        required.emplace(line);
      }
      start = end + 1;
    }
  }
  for (const std::string& g : info.declared_grants)
    declared_kinds.insert(find_kind(std::string_view(g).substr(0, g.find(':')))->text);

  for (const engine::Import& imp : m.imports) {
    ModuleImport entry{std::string(range_text(m, imp.module)), std::string(range_text(m, imp.name)),
                       engine::extern_kind_name(imp.kind)};
    if (entry.module == kHostModule) {
      auto fn = std::find_if(std::begin(kHostFunctions), std::end(kHostFunctions),
                             [&](const HostFunction& f) { return f.name == entry.name; });
      if (fn == std::end(kHostFunctions)) {
        *error = "imports continuum." + entry.name + ", which the host interface does not provide";
        return std::nullopt;
      }
      const GrantKindInfo& kind = kGrantKinds[static_cast<int>(fn->grant)];
      if (kind.text != "none" && !declared_kinds.count(kind.text))
        required.insert(std::string(kind.text) + (kind.named ? ":*" : ""));
    }
    info.imports.push_back(std::move(entry));
  }
  info.required_grants.assign(required.begin(), required.end());
  return info;
}

}  // namespace continuum::ota
