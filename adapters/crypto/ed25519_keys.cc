#include "continuum/adapters/ed25519_keys.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace continuum::adapters {

using node::Status;
namespace fs = std::filesystem;

namespace {

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

std::string openssl_error() {
  unsigned long code = ERR_get_error();
  if (!code) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

std::string public_key_bytes(EVP_PKEY* key) {
  unsigned char raw[ota::kEd25519PublicKeyBytes];
  size_t size = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(key, raw, &size) != 1 || size != sizeof raw) return {};
  return std::string(reinterpret_cast<char*>(raw), size);
}

// Writes `pem` to a file that must not exist yet, with `mode`.
Status write_new_file(const std::string& path, const std::string& pem, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) return Status::failure(path + " already exists (refusing to overwrite a key)");
    return Status::failure("cannot create " + path + ": " + std::strerror(errno));
  }
  fchmod(fd, mode);  // whatever the umask said
  bool ok = ::write(fd, pem.data(), pem.size()) == static_cast<ssize_t>(pem.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Status::failure("cannot write " + path + ": " + std::strerror(errno));
  return Status::success();
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace

Status generate_ed25519_key_pair(const std::string& private_path, const ota::Crypto& crypto, std::string* key_id) {
  std::string public_path = private_path + ".pub";
  for (const std::string& p : {private_path, public_path})
    if (fs::exists(p)) return Status::failure(p + " already exists (refusing to overwrite a key)");

  EVP_PKEY* raw_key = nullptr;
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr),
                                                                   EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &raw_key) != 1)
    return Status::failure("key generation failed: " + openssl_error());
  PkeyPtr key(raw_key, EVP_PKEY_free);

  BioPtr private_pem(BIO_new(BIO_s_mem()), BIO_free), public_pem(BIO_new(BIO_s_mem()), BIO_free);
  if (PEM_write_bio_PrivateKey(private_pem.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_PUBKEY(public_pem.get(), key.get()) != 1)
    return Status::failure("cannot encode the key: " + openssl_error());
  if (Status s = write_new_file(private_path, bio_text(private_pem.get()), 0600); !s) return s;
  if (Status s = write_new_file(public_path, bio_text(public_pem.get()), 0644); !s) {
    fs::remove(private_path);  // no half pair left behind
    return s;
  }
  *key_id = ota::key_id(crypto, public_key_bytes(key.get()));
  return Status::success();
}

std::unique_ptr<Ed25519Signer> Ed25519Signer::load(const std::string& path, const ota::Crypto& crypto,
                                                   std::string* error) {
  BioPtr bio(BIO_new_file(path.c_str(), "r"), BIO_free);
  if (!bio) {
    *error = "cannot read " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (!key) {
    *error = path + " is not a PEM private key (" + openssl_error() + ")";
    return nullptr;
  }
  std::unique_ptr<Ed25519Signer> signer(new Ed25519Signer());
  signer->key_ = key;
  if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
    *error = path + " is not an Ed25519 key (make one with `continuum keygen`)";
    return nullptr;
  }
  signer->raw_public_key_ = public_key_bytes(key);
  signer->key_id_ = ota::key_id(crypto, signer->raw_public_key_);
  return signer;
}

Ed25519Signer::~Ed25519Signer() { EVP_PKEY_free(key_); }

std::string Ed25519Signer::sign(std::string_view message) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char signature[ota::kEd25519SignatureBytes];
  size_t size = sizeof signature;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_) != 1 ||
      EVP_DigestSign(ctx.get(), signature, &size, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1)
    return {};
  return std::string(reinterpret_cast<char*>(signature), size);
}

bool load_ed25519_public_key(const std::string& path, std::string* raw, std::string* error) {
  BioPtr bio(BIO_new_file(path.c_str(), "r"), BIO_free);
  if (!bio) {
    *error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  PkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  if (!key || EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    ERR_clear_error();
    *error = path + " is not an Ed25519 public key in PEM (expected a .pub file from `continuum keygen`)";
    return false;
  }
  *raw = public_key_bytes(key.get());
  return true;
}

Status load_trust_store(const std::string& path, const ota::Crypto& crypto, ota::TrustStore& store,
                        std::vector<std::string>* loaded) {
  std::error_code ec;
  std::vector<std::string> files;
  if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::directory_iterator(path, ec))
      if (entry.path().extension() == ".pub") files.push_back(entry.path().string());
    if (ec) return Status::failure("cannot list " + path + ": " + ec.message());
    if (files.empty()) return Status::failure("trust store " + path + " holds no .pub files");
    std::sort(files.begin(), files.end());
  } else if (fs::exists(path, ec)) {
    files.push_back(path);
  } else {
    return Status::failure("trust store " + path + " does not exist (expected a directory of .pub files or one .pub)");
  }
  for (const std::string& file : files) {
    std::string raw, error;
    if (!load_ed25519_public_key(file, &raw, &error)) return Status::failure(error);
    std::string id = store.add(crypto, raw, file);
    if (loaded) loaded->push_back(id + " " + file);
  }
  return Status::success();
}

}  // namespace continuum::adapters
