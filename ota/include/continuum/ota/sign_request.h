// Signing on the server (docs/api.md "POST /api/modules/sign"): an unsigned
// module compiled elsewhere (e.g. in the browser) gets the grants its author
// declares written into its ctm.grants section, then the registry's
// deployment key signs name, version and hash. Every refusal has a stable
// name the HTTP API answers. Pure logic over the Signer/Crypto interfaces.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "continuum/ota/crypto.h"
#include "continuum/ota/signature.h"

namespace continuum::ota {

struct SignRequestOutcome {
  std::optional<std::string> module;  // the signed module, when accepted
  // Else: "empty", "malformed", "bad-name", "bad-version", "bad-grant",
  // "already-signed", "unknown-import"; `message` says what was expected.
  std::string refusal, message;
};

// Module names: 1 to 64 of a-z 0-9 . _ - (they become file and topic parts).
bool valid_module_name(std::string_view name);

// Replaces any ctm.grants section by one listing `grants` (one per line).
std::optional<std::string> with_declared_grants(std::string_view module, const std::vector<std::string>& grants,
                                                std::string* error);

SignRequestOutcome sign_unsigned_module(std::string_view module, const std::string& name, const std::string& version,
                                        const std::vector<std::string>& grants, const Signer& signer,
                                        const Crypto& crypto);

}  // namespace continuum::ota
