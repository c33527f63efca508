// Administrator passwords kept as slow hashes (PBKDF2-HMAC-SHA256 over
// OpenSSL's EVP API) and the random secrets of sign-in (session ids, CSRF and
// API tokens). Encoded hash: "pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>",
// so a hash made with more iterations later still verifies.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace continuum::adapters {

// 210 000 iterations: OWASP's 2023 floor for PBKDF2-HMAC-SHA256 is 600 000,
// but a login costs one core for that long on a Raspberry-Pi-class cloud
// node; 210 000 (~0.1 s on a desktop core) with the login throttle in front
// keeps guessing expensive without making each sign-in slow.
inline constexpr uint32_t kDefaultPasswordIterations = 210'000;

// A new encoded hash with a fresh 16-byte random salt. Empty on an OpenSSL
// failure (never expected).
std::string hash_password(std::string_view password, uint32_t iterations = kDefaultPasswordIterations);

// Checks the encoded form only: nullopt when valid, else what is wrong.
std::optional<std::string> password_hash_problem(std::string_view encoded);

// True when `password` matches `encoded` (constant-time comparison). False
// for a malformed `encoded` too.
bool verify_password(std::string_view password, std::string_view encoded);

// `bytes` random bytes from OpenSSL's CSPRNG as lowercase hex (2*bytes digits).
std::string random_hex(std::size_t bytes);

// Constant-time equality of two secrets (lengths may differ: false).
bool secrets_equal(std::string_view a, std::string_view b);

}  // namespace continuum::adapters
