#include "continuum/adapters/openssl_crypto.h"

#include <openssl/evp.h>

#include <memory>

namespace continuum::adapters {

ota::Sha256 OpenSslCrypto::sha256(std::string_view bytes) const {
  ota::Sha256 digest{};
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, EVP_sha256(), nullptr);
  return digest;
}

bool OpenSslCrypto::ed25519_verify(std::string_view public_key, std::string_view message,
                                   std::string_view signature) const {
  if (public_key.size() != ota::kEd25519PublicKeyBytes || signature.size() != ota::kEd25519SignatureBytes)
    return false;
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(public_key.data()),
                                  public_key.size()),
      EVP_PKEY_free);
  if (!key) return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  // Ed25519 is a one-shot scheme: no digest is named, the whole message is signed.
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}

}  // namespace continuum::adapters
