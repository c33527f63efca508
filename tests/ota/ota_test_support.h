// Shared by the OTA tests: keys in a temporary directory, signing helpers.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "support/server_process.h"
#include "continuum/adapters/ed25519_keys.h"
#include "continuum/adapters/openssl_crypto.h"
#include "continuum/ota/signature.h"
#include "wasm_fixture.h"

namespace continuum::ota::testing {

using continuum::testing::TempDir;

// A fresh key pair in `dir` (NAME, NAME.pub) and its signer.
inline std::unique_ptr<adapters::Ed25519Signer> make_key(const std::filesystem::path& dir, const std::string& name,
                                                         const Crypto& crypto) {
  std::string id, error;
  auto status = adapters::generate_ed25519_key_pair((dir / name).string(), crypto, &id);
  EXPECT_TRUE(status) << status.message;
  auto signer = adapters::Ed25519Signer::load((dir / name).string(), crypto, &error);
  EXPECT_TRUE(signer) << error;
  return signer;
}

inline std::string signed_module(const ModuleSpec& spec, const std::string& module_name, const std::string& version,
                                 const Signer& signer, const Crypto& crypto) {
  std::string error;
  auto out = sign_module(make_module(spec), module_name, version, signer, crypto, &error);
  EXPECT_TRUE(out) << error;
  return out.value_or("");
}

inline TrustStore trust_of(const adapters::Ed25519Signer& signer, const Crypto& crypto) {
  TrustStore trust;
  trust.add(crypto, signer.raw_public_key(), "test key");
  return trust;
}

}  // namespace continuum::ota::testing
