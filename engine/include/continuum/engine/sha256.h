// SHA-256 (FIPS 180-4), incremental. The engine's one strong digest: a
// snapshot names the module it belongs to by the digest of the module bytes,
// and ends with the digest of its own bytes, so a snapshot is restored only
// into the same module and a damaged one is noticed.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace continuum::engine {

class Sha256 {
 public:
  static constexpr size_t kDigestBytes = 32;

  Sha256();
  void update(const uint8_t* data, size_t size);
  // Writes the digest; the object must not be updated afterwards.
  void finish(uint8_t out[kDigestBytes]);

 private:
  void compress(const uint8_t block[64]);

  uint32_t state_[8];
  uint8_t block_[64];
  uint32_t block_used_ = 0;
  uint64_t total_bytes_ = 0;
};

}  // namespace continuum::engine
