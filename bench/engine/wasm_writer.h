// A minimal WebAssembly binary writer for the micro-benchmarks: enough to
// build test modules in memory without a toolchain. Instruction encodings
// come from the engine's opcode table (op_info), never from a second list.
// Hosted C++ (std::vector): this is benchmark code, not engine code.
#pragma once

#include <stdint.h>
#include <string.h>

#include <string>
#include <vector>

#include "continuum/engine/opcodes.h"

namespace continuum::bench {

using engine::Op;
using engine::ValType;

class ByteWriter {
 public:
  void u8(uint8_t b) { bytes_.push_back(b); }
  void uleb(uint64_t v) {
    do {
      uint8_t b = v & 0x7F;
      v >>= 7;
      u8(v != 0 ? (b | 0x80) : b);
    } while (v != 0);
  }
  void sleb(int64_t v) {
    for (;;) {
      uint8_t b = v & 0x7F;
      v >>= 7;  // arithmetic shift: sign-extends
      bool done = (v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40));
      u8(done ? b : (b | 0x80));
      if (done) return;
    }
  }
  void f64(double d) {
    uint8_t raw[8];
    memcpy(raw, &d, 8);  // little-endian hosts only, like the engine's targets
    bytes_.insert(bytes_.end(), raw, raw + 8);
  }
  void type(ValType t) { u8(static_cast<uint8_t>(t)); }
  void name(const std::string& s) {
    uleb(s.size());
    bytes_.insert(bytes_.end(), s.begin(), s.end());
  }
  void append(const ByteWriter& other) {
    bytes_.insert(bytes_.end(), other.bytes_.begin(), other.bytes_.end());
  }

  // An instruction's opcode bytes (prefix included); immediates follow.
  void op(Op o) {
    const engine::OpInfo& info = engine::op_info(o);
    if (info.prefix != 0) {
      u8(info.prefix);
      uleb(info.code);
    } else {
      u8(static_cast<uint8_t>(info.code));
    }
  }
  void op(Op o, uint32_t index) {
    op(o);
    uleb(index);
  }
  void i32_const(int32_t v) {
    op(Op::I32Const);
    sleb(v);
  }
  void i64_const(int64_t v) {
    op(Op::I64Const);
    sleb(v);
  }
  void f64_const(double v) {
    op(Op::F64Const);
    f64(v);
  }
  // Loads and stores: alignment (log2) and offset.
  void mem(Op o, uint32_t align_log2, uint32_t offset) {
    op(o);
    uleb(align_log2);
    uleb(offset);
  }

  size_t size() const { return bytes_.size(); }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

// Assembles a module from section payloads in the order the format requires.
class ModuleWriter {
 public:
  ModuleWriter() {
    static const uint8_t kHeader[8] = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
    for (uint8_t b : kHeader) out_.u8(b);
  }
  void section(uint8_t id, const ByteWriter& payload) {
    out_.u8(id);
    out_.uleb(payload.size());
    out_.append(payload);
  }
  std::vector<uint8_t> finish() const { return out_.bytes(); }

 private:
  ByteWriter out_;
};

// Section ids (binary format, 5.5.2).
enum SectionId : uint8_t {
  kTypeSection = 1,
  kImportSection = 2,
  kFunctionSection = 3,
  kTableSection = 4,
  kMemorySection = 5,
  kGlobalSection = 6,
  kExportSection = 7,
  kElemSection = 9,
  kCodeSection = 10,
  kDataSection = 11,
};

inline constexpr uint8_t kFuncTypeTag = 0x60;
inline constexpr uint8_t kEmptyBlock = 0x40;

}  // namespace continuum::bench
