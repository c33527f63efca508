// Decoders for the individual sections and the shared binary encodings
// (value types, limits, names, constant expressions). Internal to the engine:
// the streaming ModuleDecoder (decoder.cc) cuts the input into sections and
// hands each complete one to decode_section().
#pragma once

#include <stdint.h>

#include "binary_reader.h"
#include "continuum/engine/module.h"
#include "continuum/engine/result.h"

namespace continuum::engine {

// Section ids of the binary format.
enum class SectionId : uint8_t {
  Custom = 0,
  Type = 1,
  Import = 2,
  Function = 3,
  Table = 4,
  Memory = 5,
  Global = 6,
  Export = 7,
  Start = 8,
  Element = 9,
  Code = 10,
  Data = 11,
  DataCount = 12,
};
inline constexpr uint8_t kMaxSectionId = 12;

// Engine limit on parameters plus locals of one function. The spec only asks
// for fewer than 2^32; we refuse far earlier so that a hostile module cannot
// make us expand billions of locals.
inline constexpr uint64_t kMaxLocals = 50000;

// Shared error texts (the spec test suite's wording).
inline constexpr const char* kOutOfMemory = "out of memory";
inline constexpr const char* kSimdNotSupported = "SIMD is not supported";

// Decodes the payload of one known (non-custom) section into `m`. The reader
// spans exactly the payload; leftover bytes are a "section size mismatch".
Result<void> decode_section(SectionId id, BinaryReader& r, Module& m);
Result<void> decode_custom_section(BinaryReader& r, Module& m);

// Encodings used both by the section decoders and the code validator.
Result<ValType> read_value_type(BinaryReader& r);
Result<ValType> read_ref_type(BinaryReader& r);
// A name: u32 length + UTF-8 bytes. Returns the range in module coordinates.
Result<ByteRange> read_name(BinaryReader& r);
bool is_valid_utf8(const uint8_t* p, size_t n);

}  // namespace continuum::engine
