#include "continuum/ota/signature.h"

#include "continuum/ota/semver.h"
#include "continuum/ota/wasm_sections.h"

namespace continuum::ota {

namespace {

constexpr uint8_t kSignatureFormat = 1;
constexpr std::string_view kStatementPrefix = "continuum module signature v1";

std::string encode_payload(const ModuleSignature& s) {
  std::string out(1, static_cast<char>(kSignatureFormat));
  append_string(out, s.manifest.name);
  append_string(out, s.manifest.version);
  append_string(out, s.manifest.key_id);
  out.append(as_bytes(s.manifest.sha256));
  out.append(s.signature);
  return out;
}

std::optional<ModuleSignature> decode_payload(std::string_view payload, std::string* error) {
  size_t pos = 0;
  if (payload.empty() || static_cast<uint8_t>(payload[0]) != kSignatureFormat) {
    *error = "ctm.signature section has an unknown format (expected format 1)";
    return std::nullopt;
  }
  pos = 1;
  ModuleSignature s;
  if (!read_string(payload, &pos, &s.manifest.name) || !read_string(payload, &pos, &s.manifest.version) ||
      !read_string(payload, &pos, &s.manifest.key_id) ||
      payload.size() - pos != s.manifest.sha256.size() + kEd25519SignatureBytes) {
    *error = "ctm.signature section is truncated or has trailing bytes";
    return std::nullopt;
  }
  for (size_t i = 0; i < s.manifest.sha256.size(); ++i) s.manifest.sha256[i] = static_cast<uint8_t>(payload[pos++]);
  s.signature.assign(payload.substr(pos));
  return s;
}

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

}  // namespace

std::string key_id(const Crypto& crypto, std::string_view raw_public_key) {
  Sha256 digest = crypto.sha256(raw_public_key);
  return to_hex(std::string_view(reinterpret_cast<const char*>(digest.data()), 8));
}

const char* verify_status_name(VerifyStatus status) {
  switch (status) {
    case VerifyStatus::kOk: return "OK";
    case VerifyStatus::kNoSignature: return "no signature";
    case VerifyStatus::kMalformed: return "malformed section";
    case VerifyStatus::kUnknownKey: return "unknown key";
    case VerifyStatus::kBadSignature: return "bad signature";
    case VerifyStatus::kHashMismatch: return "hash mismatch";
  }
  return "?";
}

std::string signing_statement(const SignedManifest& m) {
  // NUL-separated fields (none may contain NUL), so no two manifests share a
  // statement; the prefix keeps these signatures from meaning anything else.
  std::string out(kStatementPrefix);
  for (const std::string* field : {&m.name, &m.version, &m.key_id}) {
    out += '\0';
    out += *field;
  }
  out += '\0';
  out.append(as_bytes(m.sha256));
  return out;
}

std::string TrustStore::add(const Crypto& crypto, std::string_view raw_public_key, std::string /*label*/) {
  std::string id = key_id(crypto, raw_public_key);
  keys_[id] = std::string(raw_public_key);
  return id;
}

const std::string* TrustStore::find(std::string_view key_id) const {
  auto it = keys_.find(key_id);
  return it == keys_.end() ? nullptr : &it->second;
}

std::optional<SignatureParts> split_signature(std::string_view module, std::string* error) {
  auto sections = split_sections(module, error);
  if (!sections) return std::nullopt;
  SignatureParts parts;
  parts.unsigned_module.reserve(module.size());
  parts.unsigned_module.append(module.substr(0, 8));
  for (const RawSection& s : *sections) {
    if (s.id == 0 && s.name == kSignatureSection) {
      if (parts.signature) {
        *error = "module has more than one ctm.signature section";
        return std::nullopt;
      }
      auto decoded = decode_payload(module.substr(s.payload_begin, s.end - s.payload_begin), error);
      if (!decoded) return std::nullopt;
      parts.signature = std::move(*decoded);
      continue;
    }
    parts.unsigned_module.append(module.substr(s.begin, s.end - s.begin));
  }
  return parts;
}

std::optional<std::string> sign_module(std::string_view module, const std::string& name, const std::string& version,
                                       const Signer& signer, const Crypto& crypto, std::string* error) {
  if (name.empty() || has_nul(name)) {
    *error = "module name must be non-empty text";
    return std::nullopt;
  }
  if (!parse_semver(version, error)) return std::nullopt;
  auto parts = split_signature(module, error);
  if (!parts) return std::nullopt;
  ModuleSignature s;
  s.manifest = {name, version, signer.key_id(), crypto.sha256(parts->unsigned_module)};
  s.signature = signer.sign(signing_statement(s.manifest));
  if (s.signature.size() != kEd25519SignatureBytes) {
    *error = "signing failed";
    return std::nullopt;
  }
  // Appended last, like the tool-conventions signature section, so the
  // signed bytes are a prefix a streaming verifier could hash as they arrive.
  return parts->unsigned_module + encode_custom_section(kSignatureSection, encode_payload(s));
}

VerifyOutcome verify_module(std::string_view module, const TrustStore& trust, const Crypto& crypto) {
  VerifyOutcome out;
  std::string error;
  auto parts = split_signature(module, &error);
  if (!parts) {
    out.status = VerifyStatus::kMalformed;
    out.detail = error;
    return out;
  }
  if (!parts->signature) {
    out.status = VerifyStatus::kNoSignature;
    out.detail = "module has no ctm.signature section (sign it with `continuum sign`)";
    return out;
  }
  const ModuleSignature& s = *parts->signature;
  out.manifest = s.manifest;
  std::string version_error;
  if (s.manifest.name.empty() || has_nul(s.manifest.name) || !parse_semver(s.manifest.version, &version_error)) {
    out.status = VerifyStatus::kMalformed;
    out.detail = s.manifest.name.empty() ? "signed name is empty" : "signed version: " + version_error;
    return out;
  }
  const std::string* key = trust.find(s.manifest.key_id);
  if (!key) {
    out.status = VerifyStatus::kUnknownKey;
    out.detail = "signed by key " + s.manifest.key_id + ", which is not in the trust store";
    return out;
  }
  if (!crypto.ed25519_verify(*key, signing_statement(s.manifest), s.signature)) {
    out.status = VerifyStatus::kBadSignature;
    out.detail = "the signature does not match the signed manifest (name, version, key id, hash)";
    return out;
  }
  if (crypto.sha256(parts->unsigned_module) != s.manifest.sha256) {
    out.status = VerifyStatus::kHashMismatch;
    out.detail = "the module's code does not match the signed SHA-256 (modified after signing)";
    return out;
  }
  out.status = VerifyStatus::kOk;
  return out;
}

}  // namespace continuum::ota
