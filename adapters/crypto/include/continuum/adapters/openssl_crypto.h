// OpenSslCrypto: the OTA core's Crypto (SHA-256, Ed25519 verification) over
// OpenSSL 3's EVP API (Debian: libssl-dev).
#pragma once

#include "continuum/ota/crypto.h"

namespace continuum::adapters {

class OpenSslCrypto final : public ota::Crypto {
 public:
  ota::Sha256 sha256(std::string_view bytes) const override;
  bool ed25519_verify(std::string_view public_key, std::string_view message,
                      std::string_view signature) const override;
};

}  // namespace continuum::adapters
