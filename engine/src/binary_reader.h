// Reads the primitive encodings of the binary format (LEB128 integers, floats,
// bytes, names) from a byte range, with bounds checks and byte offsets for
// errors. Shared by the decoder, the validator and the interpreter's compiler.
#pragma once

#include <stdint.h>
#include <string.h>

#include "continuum/engine/result.h"

namespace continuum::engine {

class BinaryReader {
 public:
  // `base` is the offset of data[0] within the whole module, for error offsets.
  BinaryReader(const uint8_t* data, size_t size, uint32_t base = 0)
      : data_(data), end_(size), base_(base) {}

  size_t pos() const { return pos_; }
  uint32_t offset() const { return base_ + static_cast<uint32_t>(pos_); }  // absolute
  size_t remaining() const { return end_ - pos_; }
  bool at_end() const { return pos_ >= end_; }
  const uint8_t* cursor() const { return data_ + pos_; }
  void seek(size_t pos) { pos_ = pos; }

  Error error(const char* message) const { return Error::at(message, offset()); }

  Result<uint8_t> u8() {
    if (pos_ >= end_) return error("unexpected end");
    return data_[pos_++];
  }

  Result<uint32_t> u32() { return unsigned_leb<uint32_t, 32>(); }
  Result<uint64_t> u64() { return unsigned_leb<uint64_t, 64>(); }
  Result<int32_t> s32() {
    auto r = signed_leb<64, 32>();
    if (!r.ok()) return r.error();
    return static_cast<int32_t>(r.value());
  }
  Result<int64_t> s64() { return signed_leb<64, 64>(); }
  // Block types are s33: a negative one-byte value type or a non-negative type index.
  Result<int64_t> s33() { return signed_leb<64, 33>(); }

  Result<uint32_t> f32_bits() {
    if (end_ - pos_ < 4) return error("unexpected end");
    uint32_t v;
    memcpy(&v, data_ + pos_, 4);  // the format is little-endian, as are all our targets
    pos_ += 4;
    return v;
  }
  Result<uint64_t> f64_bits() {
    if (end_ - pos_ < 8) return error("unexpected end");
    uint64_t v;
    memcpy(&v, data_ + pos_, 8);
    pos_ += 8;
    return v;
  }

  // Skips n bytes; returns their start position.
  Result<size_t> skip(size_t n) {
    if (end_ - pos_ < n) return error("unexpected end");
    size_t start = pos_;
    pos_ += n;
    return start;
  }

 private:
  template <class T, unsigned Bits>
  Result<T> unsigned_leb() {
    T result = 0;
    unsigned shift = 0;
    uint32_t start = offset();
    for (;;) {
      if (pos_ >= end_) return Error::at("unexpected end", offset());
      uint8_t byte = data_[pos_++];
      if (shift + 7 >= Bits) {
        // Last permitted byte: no continuation, and unused high bits must be zero.
        if (byte & 0x80) return Error::at("integer representation too long", start);
        if ((byte >> (Bits - shift)) != 0) return Error::at("integer too large", start);
      }
      result |= static_cast<T>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) return result;
      shift += 7;
    }
  }

  template <unsigned StorageBits, unsigned Bits>
  Result<int64_t> signed_leb() {
    uint64_t result = 0;
    unsigned shift = 0;
    uint32_t start = offset();
    for (;;) {
      if (pos_ >= end_) return Error::at("unexpected end", offset());
      uint8_t byte = data_[pos_++];
      if (shift + 7 >= Bits) {
        if (byte & 0x80) return Error::at("integer representation too long", start);
        // The unused high bits must all equal the sign bit: look at the sign
        // bit and everything above it, which must be all zeros or all ones.
        unsigned used = Bits - shift;  // bits of this byte that carry the value (1..7)
        uint8_t top = static_cast<uint8_t>((byte & 0x7F) >> (used - 1));
        uint8_t ones = static_cast<uint8_t>(0x7F >> (used - 1));
        if (top != 0 && top != ones) return Error::at("integer too large", start);
      }
      result |= static_cast<uint64_t>(byte & 0x7F) << shift;
      shift += 7;
      if (!(byte & 0x80)) {
        if (shift < 64 && (byte & 0x40)) result |= ~uint64_t(0) << shift;
        return static_cast<int64_t>(result);
      }
    }
  }

  const uint8_t* data_;
  size_t end_;
  size_t pos_ = 0;
  uint32_t base_;
};

}  // namespace continuum::engine
