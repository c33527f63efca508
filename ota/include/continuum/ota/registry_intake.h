// admit_module: what the cloud checks before a module enters its registry
// (docs/ota.md "Registry service"). The registry itself only stores (it
// needs a signature section but trusts no key); a registry that serves nodes
// must hold only modules signed by a key of its trust store, and a module
// must not quietly shadow a newer version of its name. Each refusal has a
// stable name (the HTTP API answers it) and one sentence for the user.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "continuum/ota/module_registry.h"
#include "continuum/ota/signature.h"

namespace continuum::ota {

enum class IntakeRefusal {
  kNone,
  kEmpty,          // no bytes at all
  kMalformed,      // not a WebAssembly module, or a broken signature section
  kNoSignature,    // no ctm.signature section
  kUnknownKey,     // signed by a key the trust store does not hold
  kBadSignature,   // the signature does not match the manifest
  kHashMismatch,   // the manifest's hash is not the module's
  kDowngrade,      // a higher version of the name is registered (allow_downgrade lifts it)
  kConflict,       // name + version already registered with other bytes
};
const char* intake_refusal_name(IntakeRefusal refusal);  // "no-signature", ...

struct IntakeOutcome {
  IntakeRefusal refusal = IntakeRefusal::kNone;
  std::string reason;                // one sentence; empty when admitted
  std::optional<AddOutcome> added;   // set when admitted (added=false: already there)
  bool ok() const { return refusal == IntakeRefusal::kNone; }
};

// Verifies `module` against `trust`, applies the downgrade rule against the
// registry's latest version of the name, then adds it. Adding bytes that are
// already registered is always fine (idempotent, even when older).
IntakeOutcome admit_module(ModuleRegistry& registry, std::string_view module, const TrustStore& trust,
                           const Crypto& crypto, bool allow_downgrade);

}  // namespace continuum::ota
