// Reads one instruction (opcode and immediates) from a function body. Shared
// by the decoder, which checks that every body is well formed as soon as the
// code section is in, and the validator, which types the same instructions.
// The opcode facts come from opcodes.def via op_info_single / op_info_fc.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "binary_reader.h"
#include "continuum/engine/opcodes.h"
#include "continuum/engine/result.h"

namespace continuum::engine {

struct Instruction {
  const OpInfo* info = nullptr;
  uint32_t offset = 0;  // of the (first) opcode byte
  // First index immediate: Index; CallIndirect type; MemArg alignment
  // exponent; MemoryInit data segment; TableInit element segment; TableCopy
  // destination table.
  uint32_t a = 0;
  // Second: CallIndirect table; MemArg offset; TableInit table; TableCopy source.
  uint32_t b = 0;
  uint64_t bits = 0;          // i32/i64/f32/f64 constant bits
  ValType type = ValType::None;  // RefType, SelectT, or a value-type BlockType
  uint32_t block_type_index = kNoIndex;  // BlockType given as a type index
  // BrTable: the number of targets, and the reader position of the first
  // one (each a u32; the default target follows them).
  uint32_t br_count = 0;
  size_t br_targets = 0;
};

// Reads the instruction at the reader's position. Malformed encodings are
// errors: unknown opcodes ("illegal opcode"), the SIMD prefix ("SIMD is not
// supported"), non-zero reserved bytes ("zero byte expected"), bad LEB128.
Result<void> read_instruction(BinaryReader& r, Instruction& out);

// Checks that `body` (the reader spans exactly one function body) is a
// well-formed instruction sequence whose final `end` is its last byte.
// Types are not looked at; that is the validator's job.
Result<void> scan_function_body(BinaryReader& body);

}  // namespace continuum::engine
