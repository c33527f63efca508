// Tables derived from opcodes.def for the interpreter, and the trap side table.
#include "interp/code.h"

#include "interp/interpreter.h"

namespace continuum::engine::interp {
namespace {

struct GeneratedTable {
  GeneratedOp ops[kOpCount];
  IOp fused[kIOpCount];
  constexpr GeneratedTable() : ops(), fused() {
    for (IOp& f : fused) f = IOp::Count_;
#define CTM_UNARY(ident, a, r) ops[int(Op::ident)].plain = IOp::ident, ops[int(Op::ident)].shape = GeneratedOp::Unary;
#define CTM_BINARY(ident, a, b, r) ops[int(Op::ident)].plain = IOp::ident, ops[int(Op::ident)].shape = GeneratedOp::Binary;
#define CTM_BINARY_IMM(ident, a, b, r) ops[int(Op::ident)].with_imm = IOp::ident##Imm;
#define CTM_UNARY_BR(ident, a, b) fused[int(IOp::ident)] = IOp::ident##Br;
#define CTM_BINARY_BR(ident, a, b) fused[int(IOp::ident)] = IOp::ident##Br;
#define CTM_BINARY_IMM_BR(ident, a, b) fused[int(IOp::ident##Imm)] = IOp::ident##ImmBr;
#define CTM_LOAD(ident, r, mem) ops[int(Op::ident)].plain = IOp::ident, ops[int(Op::ident)].shape = GeneratedOp::Load;
#define CTM_STORE(ident, b, mem) ops[int(Op::ident)].plain = IOp::ident, ops[int(Op::ident)].shape = GeneratedOp::Store;
#define CTM_UNARY_ACC(ident, a, r) ops[int(Op::ident)].acc = IOp::ident##Acc;
#define CTM_BINARY_ACC_A(ident, a, b, r) ops[int(Op::ident)].acc_a = IOp::ident##AccA;
#define CTM_BINARY_ACC_B(ident, a, b, r) ops[int(Op::ident)].acc_b = IOp::ident##AccB;
#define CTM_BINARY_IMM_ACC(ident, a, b, r) ops[int(Op::ident)].imm_acc = IOp::ident##ImmAcc;
#define CTM_LOAD_ACC(ident, r, mem) ops[int(Op::ident)].acc = IOp::ident##Acc;
#define CTM_STORE_ACC(ident, b, mem) ops[int(Op::ident)].acc = IOp::ident##Acc;
#define CTM_LOAD_ADD_IMM(ident, r, mem) ops[int(Op::ident)].add_imm = IOp::ident##AddImm;
#define CTM_UNARY_ACC_BR(ident, a, b) fused[int(IOp::ident##Acc)] = IOp::ident##AccBr;
#define CTM_BINARY_ACC_A_BR(ident, a, b) fused[int(IOp::ident##AccA)] = IOp::ident##AccABr;
#define CTM_BINARY_ACC_B_BR(ident, a, b) fused[int(IOp::ident##AccB)] = IOp::ident##AccBBr;
#define CTM_BINARY_IMM_ACC_BR(ident, a, b) fused[int(IOp::ident##ImmAcc)] = IOp::ident##ImmAccBr;
#define CTM_OP CTM_GEN_SHAPE
#include "continuum/engine/opcodes.def"
#include "shape_macros_end.inc"
  }
};

constexpr GeneratedTable kGenerated;

}  // namespace

const GeneratedOp& generated_op(Op op) { return kGenerated.ops[static_cast<uint16_t>(op)]; }

IOp fused_branch(IOp op) { return kGenerated.fused[static_cast<uint16_t>(op)]; }

IOp fused_pair(Op outer, IOp inner_imm) {
#define CTM_PAIR_CASE(o, i) \
  if (outer == Op::o && inner_imm == IOp::i##Imm) return IOp::o##i##Imm;
  CTM_FOR_EACH_FUSED_PAIR(CTM_PAIR_CASE)
#undef CTM_PAIR_CASE
  return IOp::Count_;
}

IOp fused_pair3(Op outer, IOp inner_plain) {
#define CTM_PAIR3_CASE(o, i) \
  if (outer == Op::o && inner_plain == IOp::i) return IOp::o##i;
  CTM_FOR_EACH_FUSED_PAIR3(CTM_PAIR3_CASE)
#undef CTM_PAIR3_CASE
#if CTM_INTERP_SUPERINSTRUCTIONS
  // "a + x * y" (dot and matrix products), same layout "dst a x y"; its
  // handler is hand-written (internal_ops.def): f64 operands.
  if (outer == Op::F64Add && inner_plain == IOp::F64Mul) return IOp::F64MulAdd;
#endif
  (void)outer, (void)inner_plain;
  return IOp::Count_;
}

bool is_commutative(Op op) {
  switch (op) {
    case Op::I32Add: case Op::I32Mul: case Op::I32And: case Op::I32Or: case Op::I32Xor:
    case Op::I32Eq: case Op::I32Ne:
    case Op::I64Add: case Op::I64Mul: case Op::I64And: case Op::I64Or: case Op::I64Xor:
    case Op::I64Eq: case Op::I64Ne:
    case Op::F32Add: case Op::F32Mul: case Op::F32Eq: case Op::F32Ne:
    case Op::F64Add: case Op::F64Mul: case Op::F64Eq: case Op::F64Ne:
      return true;
    default:
      return false;
  }
}

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
