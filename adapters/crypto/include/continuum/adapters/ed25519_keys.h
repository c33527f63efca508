// Ed25519 signing keys and trust stores on disk (OpenSSL EVP).
//
// Files: a private key is PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"), created
// with mode 0600; its public key is SubjectPublicKeyInfo PEM in NAME.pub. A
// trust store is a directory of .pub files (or one .pub file).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "continuum/node/status.h"
#include "continuum/ota/crypto.h"
#include "continuum/ota/signature.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace continuum::adapters {

// Writes a new key pair to `private_path` (0600) and `private_path`.pub.
// Refuses to overwrite either file. On success *key_id is the new key's id.
node::Status generate_ed25519_key_pair(const std::string& private_path, const ota::Crypto& crypto,
                                       std::string* key_id);

class Ed25519Signer final : public ota::Signer {
 public:
  // Loads a PEM private key; fails (error) if it is unreadable or not Ed25519.
  static std::unique_ptr<Ed25519Signer> load(const std::string& path, const ota::Crypto& crypto, std::string* error);
  ~Ed25519Signer() override;
  std::string key_id() const override { return key_id_; }
  std::string sign(std::string_view message) const override;
  const std::string& raw_public_key() const { return raw_public_key_; }

 private:
  Ed25519Signer() = default;
  EVP_PKEY* key_ = nullptr;
  std::string raw_public_key_, key_id_;
};

// The raw 32 bytes of an Ed25519 public key in a PEM file.
bool load_ed25519_public_key(const std::string& path, std::string* raw, std::string* error);

// Adds the key in `path` (a .pub file) or every *.pub in `path` (a directory)
// to `store`. Fails on an unreadable path, a .pub that is not an Ed25519
// public key, or a directory without any .pub file. `loaded` (optional) gets
// "KEYID FILE" per key.
node::Status load_trust_store(const std::string& path, const ota::Crypto& crypto, ota::TrustStore& store,
                              std::vector<std::string>* loaded = nullptr);

}  // namespace continuum::adapters
