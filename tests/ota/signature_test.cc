// Signing and verifying modules with real Ed25519 keys (OpenSSL): the round
// trip, and each way a module is refused with its reason.
#include <sys/stat.h>

#include "continuum/ota/wasm_sections.h"
#include "ota_test_support.h"

namespace continuum::ota::testing {
namespace {

class Signatures : public ::testing::Test {
 protected:
  adapters::OpenSslCrypto crypto;
  TempDir dir;
  std::unique_ptr<adapters::Ed25519Signer> key = make_key(dir.path(), "release", crypto);
  TrustStore trust = trust_of(*key, crypto);
  std::string module = signed_module({}, "soil-filter", "1.2.0", *key, crypto);
};

TEST_F(Signatures, SignedModuleVerifiesWithNameVersionAndKey) {
  VerifyOutcome v = verify_module(module, trust, crypto);
  ASSERT_TRUE(v.ok()) << v.detail;
  EXPECT_EQ(v.manifest.name, "soil-filter");
  EXPECT_EQ(v.manifest.version, "1.2.0");
  EXPECT_EQ(v.manifest.key_id, key->key_id());
  EXPECT_EQ(v.manifest.key_id.size(), 16u);
  // The hash covers the module without its signature section: the original bytes.
  EXPECT_EQ(v.manifest.sha256, crypto.sha256(make_module({})));
}

TEST_F(Signatures, KeygenWritesPrivateKey0600AndRefusesToOverwrite) {
  struct stat st {};
  ASSERT_EQ(stat((dir.path() / "release").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "release.pub"));
  std::string id;
  auto again = adapters::generate_ed25519_key_pair((dir.path() / "release").string(), crypto, &id);
  EXPECT_FALSE(again);
  EXPECT_NE(again.message.find("already exists"), std::string::npos) << again.message;
}

TEST_F(Signatures, TrustStoreDirectoryLoadsEveryPubFile) {
  TempDir trust_dir;
  auto other = make_key(trust_dir.path(), "other", crypto);
  std::filesystem::copy_file(dir.path() / "release.pub", trust_dir.path() / "release.pub");
  std::filesystem::remove(trust_dir.path() / "other");  // private keys do not belong there
  TrustStore loaded;
  std::vector<std::string> names;
  ASSERT_TRUE(adapters::load_trust_store(trust_dir.path().string(), crypto, loaded, &names));
  EXPECT_EQ(loaded.size(), 2u);
  EXPECT_TRUE(verify_module(module, loaded, crypto).ok());
  TempDir empty;
  TrustStore none;
  EXPECT_FALSE(adapters::load_trust_store(empty.path().string(), crypto, none));
}

TEST_F(Signatures, UnsignedModuleIsRefused) {
  VerifyOutcome v = verify_module(make_module({}), trust, crypto);
  EXPECT_EQ(v.status, VerifyStatus::kNoSignature);
  EXPECT_STREQ(verify_status_name(v.status), "no signature");
}

TEST_F(Signatures, OneFlippedCodeByteIsAHashMismatch) {
  std::string tampered = module;
  // The data segment's last byte, just before the signature section.
  std::string error;
  auto sections = split_sections(tampered, &error);
  ASSERT_TRUE(sections);
  ASSERT_EQ(sections->back().name, "ctm.signature");
  tampered[sections->back().begin - 1] ^= 0x01;
  EXPECT_EQ(verify_module(tampered, trust, crypto).status, VerifyStatus::kHashMismatch);
}

TEST_F(Signatures, AlteredSignatureSectionIsABadSignature) {
  // The last byte is part of the Ed25519 signature.
  std::string bad_signature = module;
  bad_signature.back() ^= 0x01;
  EXPECT_EQ(verify_module(bad_signature, trust, crypto).status, VerifyStatus::kBadSignature);
  // Raising the signed version ("1.2.0" -> "9.2.0") breaks the signature too:
  // a downgrade cannot be dressed up as an upgrade.
  std::string raised = module;
  size_t at = raised.rfind("1.2.0");
  ASSERT_NE(at, std::string::npos);
  raised[at] = '9';
  VerifyOutcome v = verify_module(raised, trust, crypto);
  EXPECT_EQ(v.status, VerifyStatus::kBadSignature);
  EXPECT_EQ(v.manifest.version, "9.2.0");
}

TEST_F(Signatures, UnknownKeyIsRefused) {
  TempDir other_dir;
  auto stranger = make_key(other_dir.path(), "stranger", crypto);
  std::string by_stranger = signed_module({}, "soil-filter", "1.3.0", *stranger, crypto);
  VerifyOutcome v = verify_module(by_stranger, trust, crypto);
  EXPECT_EQ(v.status, VerifyStatus::kUnknownKey);
  EXPECT_NE(v.detail.find(stranger->key_id()), std::string::npos);
}

TEST_F(Signatures, MalformedSectionsAreRefused) {
  std::string garbage = make_module({}) + encode_custom_section("ctm.signature", "\x01\x03" "abc");
  EXPECT_EQ(verify_module(garbage, trust, crypto).status, VerifyStatus::kMalformed);
  std::string two = module + encode_custom_section("ctm.signature", "x");
  EXPECT_EQ(verify_module(two, trust, crypto).status, VerifyStatus::kMalformed);
  EXPECT_EQ(verify_module("not wasm at all", trust, crypto).status, VerifyStatus::kMalformed);
  std::string truncated = module.substr(0, module.size() - 10);
  EXPECT_EQ(verify_module(truncated, trust, crypto).status, VerifyStatus::kMalformed);
}

TEST_F(Signatures, ResigningReplacesTheSignature) {
  std::string error;
  auto again = sign_module(module, "soil-filter", "1.2.1", *key, crypto, &error);
  ASSERT_TRUE(again) << error;
  auto parts = split_signature(*again, &error);
  ASSERT_TRUE(parts) << error;
  EXPECT_EQ(parts->signature->manifest.version, "1.2.1");
  EXPECT_EQ(parts->unsigned_module, make_module({}));
  EXPECT_TRUE(verify_module(*again, trust, crypto).ok());
}

TEST_F(Signatures, SigningRefusesABadVersion) {
  std::string error;
  EXPECT_FALSE(sign_module(make_module({}), "x", "1.2", *key, crypto, &error));
  EXPECT_NE(error.find("not a semantic version"), std::string::npos) << error;
}

}  // namespace
}  // namespace continuum::ota::testing
