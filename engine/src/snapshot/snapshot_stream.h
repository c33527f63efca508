// The byte-level side of the snapshot format (docs/snapshot.md): fixed-width
// little-endian fields written to a SnapshotSink or read from a
// SnapshotSource, with the running SHA-256 of every byte that passes and the
// offset reached (which read errors report).
#pragma once

#include <stdint.h>
#include <string.h>

#include "continuum/engine/snapshot.h"
#include "continuum/engine/sha256.h"

namespace continuum::engine::snapshot_format {

inline constexpr uint8_t kMagic[4] = {'C', 'T', 'M', 'S'};
inline constexpr uint8_t kRunZero = 0;  // memory run of all-zero blocks
inline constexpr uint8_t kRunData = 1;  // memory run of blocks stored as they are
inline constexpr uint32_t kNullFuncIndex = 0xFFFFFFFFu;  // a null reference in a table
inline constexpr uint64_t kNullRefBits = ~uint64_t(0);   // a null reference in a global

class Writer {
 public:
  explicit Writer(SnapshotSink& sink) : sink_(sink) {}

  bool bytes(const uint8_t* data, size_t n) {
    if (failed_) return false;
    digest_.update(data, n);
    if (n > 0 && !sink_.write(data, n)) failed_ = true;
    return !failed_;
  }
  bool u8(uint8_t v) { return bytes(&v, 1); }
  bool u32(uint32_t v) {
    uint8_t b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
    return bytes(b, 4);
  }
  bool u64(uint64_t v) {
    uint8_t b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
    return bytes(b, 8);
  }
  // The trailer: the digest of everything written before it.
  bool trailer() {
    uint8_t d[Sha256::kDigestBytes];
    digest_.finish(d);
    if (failed_ || !sink_.write(d, sizeof d)) failed_ = true;
    return !failed_;
  }
  bool failed() const { return failed_; }

 private:
  SnapshotSink& sink_;
  Sha256 digest_;
  bool failed_ = false;
};

class Reader {
 public:
  explicit Reader(SnapshotSource& source) : source_(source) {}

  // Reads exactly n bytes into dst; false at the end of the input.
  bool bytes(uint8_t* dst, size_t n) {
    size_t got = 0;
    while (got < n) {
      size_t r = source_.read(dst + got, n - got);
      if (r == 0 || r > n - got) break;
      got += r;
    }
    digest_.update(dst, got);
    offset_ += got;
    return got == n;
  }
  bool u8(uint8_t* v) { return bytes(v, 1); }
  bool u32(uint32_t* v) {
    uint8_t b[4];
    if (!bytes(b, 4)) return false;
    *v = uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24;
    return true;
  }
  bool u64(uint64_t* v) {
    uint8_t b[8];
    if (!bytes(b, 8)) return false;
    *v = 0;
    for (int i = 0; i < 8; ++i) *v |= uint64_t(b[i]) << (8 * i);
    return true;
  }
  // Digest of everything read so far (call before reading the trailer).
  void digest_so_far(uint8_t out[Sha256::kDigestBytes]) {
    Sha256 copy = digest_;
    copy.finish(out);
  }
  // True when the input has no byte left.
  bool at_end() {
    uint8_t extra;
    return source_.read(&extra, 1) == 0;
  }
  uint64_t offset() const { return offset_; }

 private:
  SnapshotSource& source_;
  Sha256 digest_;
  uint64_t offset_ = 0;
};

}  // namespace continuum::engine::snapshot_format
