// Byte buffers and SHA-256 digests as the OTA code passes them around.
// Modules and MQTT payloads are plain std::string buffers (binary-safe), so a
// module read from a file, a registry blob and a message payload need no
// conversion.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace continuum::ota {

using Sha256 = std::array<uint8_t, 32>;

// Lower-case hex, two characters per byte.
std::string to_hex(std::string_view bytes);
std::string to_hex(const Sha256& digest);
// Exactly 64 hex characters (either case) -> digest.
std::optional<Sha256> sha256_from_hex(std::string_view hex);
// Any even-length hex string -> bytes.
std::optional<std::string> from_hex(std::string_view hex);

inline std::string_view as_bytes(const Sha256& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

}  // namespace continuum::ota
