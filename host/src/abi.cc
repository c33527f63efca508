// The C++ side of the table's metadata (names, grant kinds, status texts).
#include "continuum/host/abi.h"

namespace continuum::host {
namespace {

constexpr ImportInfo kImports[] = {
#define CTM_IMPORT(name, result, grant, n, params, doc) {#name, GrantKind::grant, doc},
#include "continuum_abi.def"
#undef CTM_IMPORT
};
static_assert(sizeof(kImports) / sizeof(kImports[0]) == kNumImports);

struct GrantKindInfo {
  const char* text;
  bool named;
};
constexpr GrantKindInfo kGrantKinds[] = {
#define CTM_GRANT(name, text, named, doc) {text, named != 0},
#include "continuum_grants.def"
#undef CTM_GRANT
};

}  // namespace

const ImportInfo& import_info(ImportId id) { return kImports[static_cast<int>(id)]; }

const char* status_name(int32_t status) {
  switch (status) {
#define CTM_ERROR(name, value, text, doc) \
  case value:                             \
    return text;
#include "continuum_errors.def"
#undef CTM_ERROR
  }
  return "unknown status";
}

const char* grant_kind_name(GrantKind kind) { return kGrantKinds[static_cast<int>(kind)].text; }
bool grant_kind_is_named(GrantKind kind) { return kGrantKinds[static_cast<int>(kind)].named; }

bool parse_grant_kind(std::string_view text, GrantKind* out) {
  for (size_t i = 0; i < sizeof(kGrantKinds) / sizeof(kGrantKinds[0]); ++i) {
    if (text == kGrantKinds[i].text) {
      *out = static_cast<GrantKind>(i);
      return true;
    }
  }
  return false;
}

}  // namespace continuum::host
