#include "continuum/host/grants.h"

namespace continuum::host {

bool parse_grant(std::string_view text, Grant* out, std::string* error) {
  size_t colon = text.find(':');
  std::string_view kind_text = text.substr(0, colon);
  GrantKind kind;
  if (!parse_grant_kind(kind_text, &kind) || kind == GrantKind::NONE) {
    *error = "unknown grant kind in '" + std::string(text) + "'";
    return false;
  }
  std::string_view resource = colon == std::string_view::npos ? "" : text.substr(colon + 1);
  if (grant_kind_is_named(kind) && resource.empty()) {
    *error = "grant '" + std::string(text) + "' needs a resource name (" +
             std::string(kind_text) + ":NAME or " + std::string(kind_text) + ":*)";
    return false;
  }
  if (!grant_kind_is_named(kind) && colon != std::string_view::npos) {
    *error = "grant '" + std::string(kind_text) + "' takes no resource name";
    return false;
  }
  out->kind = kind;
  out->resource = std::string(resource);
  return true;
}

std::string format_grant(const Grant& g) {
  std::string s = grant_kind_name(g.kind);
  if (!g.resource.empty()) s += ":" + g.resource;
  return s;
}

bool GrantSet::parse(const std::vector<std::string>& texts, GrantSet* out, std::string* error) {
  GrantSet set;
  for (const std::string& t : texts) {
    Grant g;
    if (!parse_grant(t, &g, error)) return false;
    set.add(std::move(g));
  }
  *out = std::move(set);
  return true;
}

GrantSet GrantSet::everything() {
  GrantSet set;
#define CTM_GRANT(name, text, named, doc) \
  if (GrantKind::name != GrantKind::NONE) set.add({GrantKind::name, (named) ? "*" : ""});
#include "continuum_grants.def"
#undef CTM_GRANT
  return set;
}

bool GrantSet::allows(GrantKind kind, std::string_view resource) const {
  if (kind == GrantKind::NONE) return true;
  bool named = grant_kind_is_named(kind);
  for (const Grant& g : grants_) {
    if (g.kind != kind) continue;
    if (!named || g.resource == "*" || g.resource == resource) return true;
  }
  return false;
}

}  // namespace continuum::host
