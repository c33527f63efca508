// Tables derived from opcodes.def for the interpreter, and the trap side table.
#include "interp/code.h"

#include "interp/interpreter.h"

namespace continuum::engine::interp {
namespace {

struct GeneratedTable {
  GeneratedOp ops[kOpCount];
  constexpr GeneratedTable() : ops() {
#define CTM_UNARY(ident, a, r) ops[int(Op::ident)] = {IOp::ident, IOp::Count_, GeneratedOp::Unary};
#define CTM_BINARY(ident, a, b, r) ops[int(Op::ident)] = {IOp::ident, IOp::Count_, GeneratedOp::Binary};
#define CTM_BINARY_IMM32(ident, a, b, r) ops[int(Op::ident)].with_imm = IOp::ident##Imm;
#define CTM_BINARY_IMM64(ident, a, b, r) ops[int(Op::ident)].with_imm = IOp::ident##Imm;
#define CTM_LOAD(ident, r, mem) ops[int(Op::ident)] = {IOp::ident, IOp::Count_, GeneratedOp::Load};
#define CTM_STORE(ident, b, mem) ops[int(Op::ident)] = {IOp::ident, IOp::Count_, GeneratedOp::Store};
#define CTM_OP CTM_GEN_SHAPE
#include "continuum/engine/opcodes.def"
#undef CTM_OP
#undef CTM_UNARY
#undef CTM_BINARY
#undef CTM_BINARY_IMM32
#undef CTM_BINARY_IMM64
#undef CTM_LOAD
#undef CTM_STORE
  }
};

constexpr GeneratedTable kGenerated;

}  // namespace

const GeneratedOp& generated_op(Op op) { return kGenerated.ops[static_cast<uint16_t>(op)]; }

uint32_t opcode_word(IOp op) {
#if CTM_INTERP_COMPUTED_GOTO
  static const int32_t* const offsets = handler_offsets();
  return static_cast<uint32_t>(offsets[static_cast<uint16_t>(op)]);
#else
  return static_cast<uint32_t>(op);
#endif
}

uint32_t CompiledFunc::offset_of(uint32_t pc) const {
  // Last entry whose pc is <= the trapping pc.
  size_t lo = 0, hi = offsets.size();
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (offsets[mid].pc <= pc) lo = mid + 1;
    else hi = mid;
  }
  return lo == 0 ? kNoIndex : offsets[lo - 1].offset;
}

}  // namespace continuum::engine::interp
