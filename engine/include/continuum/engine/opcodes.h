// Instruction facts, generated from opcodes.def (the one opcode table).
#pragma once

#include <stdint.h>

#include "continuum/engine/types.h"

namespace continuum::engine {

// Immediate operand kinds, as laid out in the binary format.
enum class Imm : uint8_t {
  None,
  BlockType,     // s33: empty (0x40), a value type, or a type index
  Index,         // one u32 (label depth, function, local, global, table, data, elem index)
  BrTable,       // vec(u32) label depths + default u32
  CallIndirect,  // type index u32, table index u32
  SelectT,       // vec(valtype), length must be 1
  MemArg,        // align u32 (log2), offset u32
  MemIdx,        // one memory index byte (must be 0)
  I32,           // s32 LEB
  I64,           // s64 LEB
  F32,           // 4 bytes little-endian
  F64,           // 8 bytes little-endian
  RefType,       // one reference type byte
  MemoryInit,    // data index u32, memory index byte
  MemoryCopy,    // two memory index bytes
  TableInit,     // elem index u32, table index u32
  TableCopy,     // destination table u32, source table u32
};

enum class Op : uint16_t {
#define CTM_OP(ident, text, prefix, code, imm, a, b, r, mem) ident,
#include "continuum/engine/opcodes.def"
#undef CTM_OP
  Count_
};

inline constexpr uint16_t kOpCount = static_cast<uint16_t>(Op::Count_);

struct OpInfo {
  Op op;
  const char* name;
  uint8_t prefix;    // 0 or 0xFC
  uint32_t code;     // byte after the prefix (or the opcode byte itself)
  Imm imm;
  bool special;      // validated by hand (X in the table)
  ValType a, b, r;   // simple-operator signature (None = absent)
  uint8_t mem_bytes;
};

const OpInfo& op_info(Op op);
// Lookup by encoding; nullptr when the byte (after the prefix) names no known instruction.
const OpInfo* op_info_single(uint8_t byte);
const OpInfo* op_info_fc(uint32_t code);

inline constexpr uint8_t kPrefixFC = 0xFC;
inline constexpr uint8_t kPrefixSimd = 0xFD;

}  // namespace continuum::engine
