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

constexpr ExportInfo kExports[] = {
#define CTM_EXPORT(name, result, required, n, params, doc) {"ctm_" #name, (required) != 0, doc},
#include "continuum_abi.def"
#undef CTM_EXPORT
};
static_assert(sizeof(kExports) / sizeof(kExports[0]) == kNumExports);

struct GrantKindInfo {
  const char* text;
  bool named;
};
constexpr GrantKindInfo kGrantKinds[] = {
#define CTM_GRANT(name, text, named, doc) {text, named != 0},
#include "continuum_grants.def"
#undef CTM_GRANT
};

// The table's rule that the bindings rely on: every STR, BUF_IN and BUF_OUT
// parameter is followed by its LEN (the wasm binding reads the length from
// the next argument slot). Checked at compile time for every entry.
enum class Token : uint8_t { I32, I64, F64, STR, BUF_IN, BUF_OUT, LEN, OUT_F64 };

constexpr bool buffers_have_lengths(const Token* params, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    bool buffer = params[i] == Token::STR || params[i] == Token::BUF_IN || params[i] == Token::BUF_OUT;
    if (buffer && (i + 1 == n || params[i + 1] != Token::LEN)) return false;
  }
  return true;
}

#define CTM_TOKEN(T, p, i) Token::T
#define CTM_IMPORT(name, result, grant, n, params, doc)                          \
  constexpr Token kTokens_##name[n + 1] = {CTM_ABI_EACH(n, CTM_TOKEN, params)};  \
  static_assert(buffers_have_lengths(kTokens_##name, n),                         \
                #name ": every STR/BUF_IN/BUF_OUT parameter must be followed by its LEN");
#include "continuum_abi.def"
#undef CTM_IMPORT
#undef CTM_TOKEN

}  // namespace

const ImportInfo& import_info(ImportId id) { return kImports[static_cast<int>(id)]; }
const ExportInfo& export_info(ExportId id) { return kExports[static_cast<int>(id)]; }

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
