// Module signatures: Ed25519 over a signed manifest embedded in the module.
//
// The custom section `ctm.signature` (docs/ota.md) carries
//   format 1 | name | version | key id | SHA-256 (32 bytes) | signature (64 bytes)
// (strings are LEB128 length + UTF-8). The SHA-256 covers the module with the
// ctm.signature section removed, and the signature covers the statement
// built by signing_statement(): name, version, key id and that hash. Binding
// name and version into the signed statement means a module cannot be
// renamed or have its version raised to slip past the downgrade guard.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "continuum/ota/bytes.h"
#include "continuum/ota/crypto.h"

namespace continuum::ota {

inline constexpr std::string_view kSignatureSection = "ctm.signature";

struct SignedManifest {
  std::string name;
  std::string version;  // semver
  std::string key_id;   // crypto.h key_id() of the signing key
  Sha256 sha256{};      // of the module without its ctm.signature section
};

struct ModuleSignature {
  SignedManifest manifest;
  std::string signature;  // 64 bytes, Ed25519 over signing_statement(manifest)
};

// The exact bytes that are signed.
std::string signing_statement(const SignedManifest& manifest);

// What signs: the private key lives in an adapter (adapters/crypto).
class Signer {
 public:
  virtual ~Signer() = default;
  virtual std::string key_id() const = 0;
  virtual std::string sign(std::string_view message) const = 0;  // 64 bytes, or "" on failure
};

// Why a module was refused. Names are what `continuum verify` prints.
enum class VerifyStatus { kOk, kNoSignature, kMalformed, kUnknownKey, kBadSignature, kHashMismatch };
const char* verify_status_name(VerifyStatus status);

struct VerifyOutcome {
  VerifyStatus status = VerifyStatus::kMalformed;
  std::string detail;       // one sentence for the user
  SignedManifest manifest;  // as claimed by the section (valid from kUnknownKey on)
  bool ok() const { return status == VerifyStatus::kOk; }
};

// The public keys a node trusts, by key id.
class TrustStore {
 public:
  // Adds a raw 32-byte Ed25519 public key; `label` names it in messages
  // (usually the .pub file it came from). Returns the key id.
  std::string add(const Crypto& crypto, std::string_view raw_public_key, std::string label);
  const std::string* find(std::string_view key_id) const;  // raw public key or null
  size_t size() const { return keys_.size(); }

 private:
  std::map<std::string, std::string, std::less<>> keys_;
};

// A module's signature section, split off. `unsigned_module` is the module
// without its ctm.signature section (what the hash covers).
struct SignatureParts {
  std::string unsigned_module;
  std::optional<ModuleSignature> signature;  // empty: no ctm.signature section
};
// Fails (VerifyStatus kMalformed + detail) on a malformed module or section,
// or more than one ctm.signature section.
std::optional<SignatureParts> split_signature(std::string_view module, std::string* error);

// Signs: removes an old signature, appends a new ctm.signature section.
// Fails with `error` on a malformed module, a bad name or version, or a
// signer failure.
std::optional<std::string> sign_module(std::string_view module, const std::string& name,
                                       const std::string& version, const Signer& signer,
                                       const Crypto& crypto, std::string* error);

// The whole check: well-formed section, trusted key, valid signature, hash.
VerifyOutcome verify_module(std::string_view module, const TrustStore& trust, const Crypto& crypto);

}  // namespace continuum::ota
