#include "continuum/ota/registry_intake.h"

#include "continuum/ota/bytes.h"
#include "continuum/ota/semver.h"

namespace continuum::ota {

const char* intake_refusal_name(IntakeRefusal refusal) {
  switch (refusal) {
    case IntakeRefusal::kNone: return "ok";
    case IntakeRefusal::kEmpty: return "empty";
    case IntakeRefusal::kMalformed: return "malformed";
    case IntakeRefusal::kNoSignature: return "no-signature";
    case IntakeRefusal::kUnknownKey: return "unknown-key";
    case IntakeRefusal::kBadSignature: return "bad-signature";
    case IntakeRefusal::kHashMismatch: return "hash-mismatch";
    case IntakeRefusal::kDowngrade: return "downgrade";
    case IntakeRefusal::kConflict: return "conflict";
  }
  return "unknown";
}

namespace {

IntakeOutcome refuse(IntakeRefusal refusal, std::string reason) {
  IntakeOutcome out;
  out.refusal = refusal;
  out.reason = std::move(reason);
  return out;
}

IntakeRefusal refusal_of(VerifyStatus status) {
  switch (status) {
    case VerifyStatus::kNoSignature: return IntakeRefusal::kNoSignature;
    case VerifyStatus::kUnknownKey: return IntakeRefusal::kUnknownKey;
    case VerifyStatus::kBadSignature: return IntakeRefusal::kBadSignature;
    case VerifyStatus::kHashMismatch: return IntakeRefusal::kHashMismatch;
    default: return IntakeRefusal::kMalformed;
  }
}

}  // namespace

IntakeOutcome admit_module(ModuleRegistry& registry, std::string_view module, const TrustStore& trust,
                           const Crypto& crypto, bool allow_downgrade) {
  if (module.empty()) return refuse(IntakeRefusal::kEmpty, "no module: the body is empty (expected a signed .wasm)");
  VerifyOutcome verified = verify_module(module, trust, crypto);
  if (!verified.ok()) return refuse(refusal_of(verified.status), verified.detail);
  const SignedManifest& m = verified.manifest;
  // Bytes already registered are not a downgrade: nothing changes.
  const std::string hash = to_hex(crypto.sha256(module));
  if (!registry.by_hash(hash) && !allow_downgrade) {
    std::optional<ModuleRecord> latest = registry.latest(m.name);
    std::optional<Semver> candidate = parse_semver(m.version);
    std::optional<Semver> newest = latest ? parse_semver(latest->version) : std::nullopt;
    if (candidate && newest && compare_precedence(*candidate, *newest) < 0)
      return refuse(IntakeRefusal::kDowngrade, m.name + " " + m.version + " is older than the registered " +
                                                   latest->version + " (add it with allow_downgrade to keep it anyway)");
  }
  std::string error;
  std::optional<AddOutcome> added = registry.add(module, &error);
  if (!added) return refuse(IntakeRefusal::kConflict, error);
  IntakeOutcome out;
  out.added = std::move(added);
  return out;
}

}  // namespace continuum::ota
