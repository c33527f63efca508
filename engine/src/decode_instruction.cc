// Instruction decoding: immediates by the Imm kind recorded in opcodes.def.
#include "decode_instruction.h"

#include "decode_sections.h"

namespace continuum::engine {
namespace {

Result<void> zero_byte(BinaryReader& r) {
  uint32_t at = r.offset();
  uint8_t b;
  CTM_TRY_ASSIGN(b, r.u8());
  if (b != 0) return Error::at("zero byte expected", at);
  return Ok();
}

// Block types are s33: 0x40 (empty), a one-byte value type, or a type index.
Result<void> block_type(BinaryReader& r, Instruction& in) {
  uint32_t at = r.offset();
  int64_t bt;
  CTM_TRY_ASSIGN(bt, r.s33());
  if (bt >= 0) {
    in.block_type_index = static_cast<uint32_t>(bt);
  } else if (bt != -0x40) {
    uint8_t byte = static_cast<uint8_t>(bt & 0x7F);
    BinaryReader one(&byte, 1, at);
    CTM_TRY_ASSIGN(in.type, read_value_type(one));
  }
  return Ok();
}

Result<void> immediates(BinaryReader& r, Instruction& in) {
  switch (in.info->imm) {
    case Imm::None:
      return Ok();
    case Imm::BlockType:
      return block_type(r, in);
    case Imm::Index:
      CTM_TRY_ASSIGN(in.a, r.u32());
      return Ok();
    case Imm::BrTable: {
      CTM_TRY_ASSIGN(in.br_count, r.u32());
      in.br_targets = r.pos();
      for (uint32_t i = 0; i <= in.br_count; ++i) {  // the targets and the default
        auto depth = r.u32();
        if (!depth.ok()) return depth.error();
      }
      return Ok();
    }
    case Imm::CallIndirect:
    case Imm::MemArg:
    case Imm::TableInit:
    case Imm::TableCopy:
      CTM_TRY_ASSIGN(in.a, r.u32());
      CTM_TRY_ASSIGN(in.b, r.u32());
      return Ok();
    case Imm::SelectT: {
      uint32_t at = r.offset();
      uint32_t n;
      CTM_TRY_ASSIGN(n, r.u32());
      if (n != 1) return Error::at("invalid result arity", at);
      CTM_TRY_ASSIGN(in.type, read_value_type(r));
      return Ok();
    }
    case Imm::MemIdx:
      return zero_byte(r);
    case Imm::I32: {
      int32_t v;
      CTM_TRY_ASSIGN(v, r.s32());
      in.bits = static_cast<uint32_t>(v);
      return Ok();
    }
    case Imm::I64: {
      int64_t v;
      CTM_TRY_ASSIGN(v, r.s64());
      in.bits = static_cast<uint64_t>(v);
      return Ok();
    }
    case Imm::F32:
      CTM_TRY_ASSIGN(in.bits, r.f32_bits());
      return Ok();
    case Imm::F64:
      CTM_TRY_ASSIGN(in.bits, r.f64_bits());
      return Ok();
    case Imm::RefType:
      CTM_TRY_ASSIGN(in.type, read_ref_type(r));
      return Ok();
    case Imm::MemoryInit:
      CTM_TRY_ASSIGN(in.a, r.u32());
      return zero_byte(r);
    case Imm::MemoryCopy:
      CTM_TRY(zero_byte(r));
      return zero_byte(r);
  }
  return Ok();
}

}  // namespace

Result<void> read_instruction(BinaryReader& r, Instruction& in) {
  in = Instruction{};
  in.offset = r.offset();
  uint8_t byte;
  CTM_TRY_ASSIGN(byte, r.u8());
  if (byte == kPrefixFC) {
    uint32_t code;
    CTM_TRY_ASSIGN(code, r.u32());
    in.info = op_info_fc(code);
  } else if (byte == kPrefixSimd) {
    return Error::at(kSimdNotSupported, in.offset);
  } else {
    in.info = op_info_single(byte);
  }
  if (in.info == nullptr) return Error::at("illegal opcode", in.offset);
  return immediates(r, in);
}

Result<void> scan_function_body(BinaryReader& body) {
  uint64_t depth = 1;  // the function's own block
  Instruction in;
  while (depth > 0) {
    if (body.at_end()) return body.error("unexpected end of section or function");
    CTM_TRY(read_instruction(body, in));
    switch (in.info->op) {
      case Op::Block:
      case Op::Loop:
      case Op::If: ++depth; break;
      case Op::End: --depth; break;
      default: break;
    }
  }
  if (!body.at_end()) return body.error("section size mismatch");
  return Ok();
}

}  // namespace continuum::engine
