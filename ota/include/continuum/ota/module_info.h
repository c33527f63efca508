// What the registry and a node want to know about a module before running
// it: its imports and the grants it needs.
//
// Required grants = the grants declared in the module's `ctm.grants` custom
// section (one grant per line, e.g. "sensor:soil-1", same syntax as the
// stage grants of docs/host-abi.md) + for every host function the module
// imports whose grant kind the declaration does not mention: "KIND:*" for
// named kinds (it may touch any resource of that kind) or "KIND" for the
// others. So an undeclared module asks for the widest grants its imports
// allow, and a declaration narrows them to the named resources.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace continuum::ota {

inline constexpr std::string_view kGrantsSection = "ctm.grants";

struct ModuleImport {
  std::string module, name, kind;  // kind: function, table, memory, global
};

struct ModuleInfo {
  size_t size = 0;
  std::vector<ModuleImport> imports;
  std::vector<std::string> declared_grants;  // from ctm.grants, in order
  std::vector<std::string> required_grants;  // sorted, unique
  // The initial size of its linear memory (0 without one): a stage's
  // memory_bytes below it cannot even load the module (placement checks it).
  uint64_t memory_min_bytes = 0;
};

// Decodes and validates the module with the engine. Fails with `error` on an
// invalid module, a malformed ctm.grants section, an unknown grant kind or an
// import from "continuum" that the host interface does not have.
std::optional<ModuleInfo> describe_module(std::string_view module, std::string* error);

// "sensor:soil-1" -> valid for a named kind with a resource (or "*"),
// "kv" for a kind granted whole. `error` says what was expected.
bool valid_grant(std::string_view grant, std::string* error);

}  // namespace continuum::ota
