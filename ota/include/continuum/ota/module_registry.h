// ModuleRegistry: the cloud's catalogue of modules, content-addressed by the
// SHA-256 of the module's bytes (as signed, signature section included), with
// the facts a deployment needs before choosing one: name, version, size,
// imports, required grants, signing key. Adding the same bytes twice is a
// no-op; a name + version is bound to one hash forever (a different module
// under a published version is refused, so "1.2.0" means one thing).
//
// Implemented by adapters/sqlite (SqliteModuleRegistry: SQLite index + blob
// files). The interface is what an HTTP API will serve.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "continuum/ota/crypto.h"
#include "continuum/ota/module_info.h"

namespace continuum::ota {

struct ModuleRecord {
  std::string sha256;  // hex, the module's id
  std::string name, version, key_id;
  uint64_t size = 0;
  std::vector<ModuleImport> imports;
  std::vector<std::string> required_grants;
  int64_t added_ms = 0;  // when it was first added (ms since the Unix epoch)
};

struct AddOutcome {
  ModuleRecord record;
  bool added = false;  // false: these bytes were already there
};

class ModuleRegistry {
 public:
  virtual ~ModuleRegistry() = default;
  // Fails (error) for an unsigned or invalid module, or a name + version
  // already registered with other bytes. Signatures are not checked against a
  // trust store here (the registry stores; nodes decide whom to trust).
  virtual std::optional<AddOutcome> add(std::string_view module, std::string* error) = 0;
  virtual std::optional<ModuleRecord> by_hash(std::string_view sha256_hex) = 0;
  virtual std::optional<ModuleRecord> by_name_version(std::string_view name, std::string_view version) = 0;
  // Highest semver precedence of that name.
  virtual std::optional<ModuleRecord> latest(std::string_view name) = 0;
  // Every module, by name then version precedence.
  virtual std::vector<ModuleRecord> list() = 0;
  // The module's bytes, checked against its hash.
  virtual std::optional<std::string> read_module(std::string_view sha256_hex, std::string* error) = 0;
};

// The record for `module` (without added_ms): signature section for name,
// version and key id; the engine's decoder for imports and grants.
std::optional<ModuleRecord> describe_for_registry(std::string_view module, const Crypto& crypto, std::string* error);

// Sorts records by name, then by version precedence (oldest first).
void sort_records(std::vector<ModuleRecord>& records);

}  // namespace continuum::ota
