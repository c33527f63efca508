// The host's view of the one interface table (sdk/abi/*.def): an id per
// import, its grant kind and name, and the status codes, all expanded from
// the same X-macro lists the guest header uses.
#pragma once

#include <stdint.h>

#include <string_view>

#include "continuum_abi_macros.h"

namespace continuum::host {

enum class ImportId : uint8_t {
#define CTM_IMPORT(name, result, grant, n, params, doc) name,
#include "continuum_abi.def"
#undef CTM_IMPORT
};

inline constexpr int kNumImports = 0
#define CTM_IMPORT(name, result, grant, n, params, doc) +1
#include "continuum_abi.def"
#undef CTM_IMPORT
    ;

// The module's exports (CTM_EXPORT entries): what the host calls.
enum class ExportId : uint8_t {
#define CTM_EXPORT(name, result, required, n, params, doc) name,
#include "continuum_abi.def"
#undef CTM_EXPORT
};

inline constexpr int kNumExports = 0
#define CTM_EXPORT(name, result, required, n, params, doc) +1
#include "continuum_abi.def"
#undef CTM_EXPORT
    ;

enum class GrantKind : uint8_t {
#define CTM_GRANT(name, text, named, doc) name,
#include "continuum_grants.def"
#undef CTM_GRANT
};

// Status codes returned to guests (CTM_ERR_* in continuum.h).
enum Status : int32_t {
#define CTM_ERROR(name, value, text, doc) k##name = value,
#include "continuum_errors.def"
#undef CTM_ERROR
};

struct ImportInfo {
  const char* name;  // import name in module "continuum"
  GrantKind grant;
  const char* doc;
};

const ImportInfo& import_info(ImportId id);

struct ExportInfo {
  const char* name;  // export name, "ctm_init", ...
  bool required;     // false: an optional hook
  const char* doc;
};

const ExportInfo& export_info(ExportId id);
// "not granted", ... ; "unknown status" for values outside the table.
const char* status_name(int32_t status);
// "sensor", ... ; and whether grants of this kind name a resource.
const char* grant_kind_name(GrantKind kind);
bool grant_kind_is_named(GrantKind kind);
// Parses "sensor" etc.; false if unknown.
bool parse_grant_kind(std::string_view text, GrantKind* out);

// How each parameter token arrives at the host functions (StageHost), after
// the binding has turned guest offsets into checked host pointers.
#define CTM_HOST_TYPE(T) CTM_ABI_CAT(CTM_HOST_TYPE_, T)
#define CTM_HOST_TYPE_I32 int32_t
#define CTM_HOST_TYPE_I64 int64_t
#define CTM_HOST_TYPE_F64 double
#define CTM_HOST_TYPE_STR const char*
#define CTM_HOST_TYPE_BUF_IN const uint8_t*
#define CTM_HOST_TYPE_BUF_OUT uint8_t*
#define CTM_HOST_TYPE_LEN uint32_t
#define CTM_HOST_TYPE_OUT_F64 uint8_t* /* 8 bytes, unaligned: store with memcpy */
#define CTM_HOST_PARAM(T, p, i) CTM_HOST_TYPE(T) p
#define CTM_HOST_TYPE_ONLY(T, p, i) CTM_HOST_TYPE(T)
#define CTM_HOST_PARAM_LIST(n, params) CTM_ABI_CAT(CTM_HOST_PLIST_, n)(params)
#define CTM_HOST_PLIST_0(params)
#define CTM_HOST_PLIST_1(params) CTM_ABI_EACH(1, CTM_HOST_PARAM, params)
#define CTM_HOST_PLIST_2(params) CTM_ABI_EACH(2, CTM_HOST_PARAM, params)
#define CTM_HOST_PLIST_3(params) CTM_ABI_EACH(3, CTM_HOST_PARAM, params)
#define CTM_HOST_PLIST_4(params) CTM_ABI_EACH(4, CTM_HOST_PARAM, params)
#define CTM_HOST_PLIST_5(params) CTM_ABI_EACH(5, CTM_HOST_PARAM, params)
#define CTM_HOST_PLIST_6(params) CTM_ABI_EACH(6, CTM_HOST_PARAM, params)

}  // namespace continuum::host
