// Crypto: the two primitives the OTA core needs, as an interface so the core
// stays free of OpenSSL (adapters/crypto implements it with OpenSSL's EVP API;
// a microcontroller port would implement it over its own library).
#pragma once

#include <string_view>

#include "continuum/ota/bytes.h"

namespace continuum::ota {

inline constexpr size_t kEd25519PublicKeyBytes = 32;
inline constexpr size_t kEd25519SignatureBytes = 64;

class Crypto {
 public:
  virtual ~Crypto() = default;
  virtual Sha256 sha256(std::string_view bytes) const = 0;
  // True only if `signature` (64 bytes) is a valid Ed25519 signature of
  // `message` by `public_key` (32 raw bytes). Wrong sizes are simply invalid.
  virtual bool ed25519_verify(std::string_view public_key, std::string_view message,
                              std::string_view signature) const = 0;
};

// A key's id: the first 8 bytes of SHA-256 over its 32 raw public-key bytes,
// in hex (16 characters). Short enough to print, long enough that two keys of
// one trust store do not collide by accident.
std::string key_id(const Crypto& crypto, std::string_view raw_public_key);

}  // namespace continuum::ota
