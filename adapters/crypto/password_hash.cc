#include "continuum/adapters/password_hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <vector>

namespace continuum::adapters {

namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";
constexpr std::size_t kSaltBytes = 16, kHashBytes = 32;
// Above this a configured hash would let one login tie a core up for minutes.
constexpr uint32_t kMaxIterations = 10'000'000;

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> unbase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  std::size_t size = static_cast<std::size_t>(n);
  // EVP_DecodeBlock counts the padding as zero bytes.
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) --size;
  out.resize(size);
  return out;
}

std::optional<std::string> pbkdf2(std::string_view password, std::string_view salt, uint32_t iterations,
                                  std::size_t length) {
  std::string out(length, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                        static_cast<int>(iterations), EVP_sha256(), static_cast<int>(length),
                        reinterpret_cast<unsigned char*>(out.data())) != 1)
    return std::nullopt;
  return out;
}

struct Parsed {
  uint32_t iterations = 0;
  std::string salt, hash;
};

std::optional<Parsed> parse(std::string_view encoded, std::string* problem) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t pos; (pos = encoded.find('$', start)) != std::string_view::npos; start = pos + 1)
    parts.push_back(encoded.substr(start, pos - start));
  parts.push_back(encoded.substr(start));
  if (parts.size() != 4 || parts[0] != kScheme) {
    *problem = "expected pbkdf2-sha256$<iterations>$<salt base64>$<hash base64> (from `continuum hash-password`)";
    return std::nullopt;
  }
  Parsed p;
  auto [end, ec] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), p.iterations);
  if (ec != std::errc() || end != parts[1].data() + parts[1].size() || p.iterations < 1000 ||
      p.iterations > kMaxIterations) {
    *problem = "iterations: expected a number from 1000 to 10000000";
    return std::nullopt;
  }
  std::optional<std::string> salt = unbase64(parts[2]), hash = unbase64(parts[3]);
  if (!salt || salt->size() < 8) {
    *problem = "salt: expected base64 of at least 8 bytes";
    return std::nullopt;
  }
  if (!hash || hash->size() < 16) {
    *problem = "hash: expected base64 of at least 16 bytes";
    return std::nullopt;
  }
  p.salt = std::move(*salt);
  p.hash = std::move(*hash);
  return p;
}

}  // namespace

std::string hash_password(std::string_view password, uint32_t iterations) {
  std::string salt(kSaltBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) != 1) return "";
  std::optional<std::string> hash = pbkdf2(password, salt, iterations, kHashBytes);
  if (!hash) return "";
  return std::string(kScheme) + "$" + std::to_string(iterations) + "$" + base64(salt) + "$" + base64(*hash);
}

std::optional<std::string> password_hash_problem(std::string_view encoded) {
  std::string problem;
  if (parse(encoded, &problem)) return std::nullopt;
  return problem;
}

bool verify_password(std::string_view password, std::string_view encoded) {
  std::string problem;
  std::optional<Parsed> p = parse(encoded, &problem);
  if (!p) return false;
  std::optional<std::string> hash = pbkdf2(password, p->salt, p->iterations, p->hash.size());
  return hash && secrets_equal(*hash, p->hash);
}

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(raw.size())) != 1) return "";
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes);
  for (unsigned char c : raw) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

bool secrets_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace continuum::adapters
