// The interpreter's internal code form. A function body becomes an array of
// 32-bit words: an opcode word (a handler offset when the loop uses computed
// goto, the IOp number otherwise) followed by its operands. Operands name frame
// slots: every local and every operand-stack position has a fixed 8-byte slot,
// so instructions read and write slots directly instead of pushing and popping.
#pragma once

#include <stdint.h>
#include <string.h>

#include "continuum/engine/opcodes.h"
#include "continuum/engine/vec.h"
#include "runtime/store_objects.h"

#ifndef CTM_INTERP_COMPUTED_GOTO
#if defined(__GNUC__)
#define CTM_INTERP_COMPUTED_GOTO 1
#else
#define CTM_INTERP_COMPUTED_GOTO 0
#endif
#endif

// Superinstructions (immediate forms, accumulator twins, compare-and-branch,
// shift/rotate + combine pairs, add folded into loads) make the x86-64 build
// fast but multiply the handler count. With 0 ("compact", the microcontroller
// build) only the basic shapes below exist: the op lists generate no fused
// IOps, so the interpreter has no handlers for them and the compiler, finding
// none in generated_op()/fused_branch()/fused_pair() and no accumulator
// (Compiler::acc_holds), emits plain instructions. This is the only place the
// op lists consult the switch.
#ifndef CTM_INTERP_SUPERINSTRUCTIONS
#define CTM_INTERP_SUPERINSTRUCTIONS 1
#endif

namespace continuum::engine::interp {

// Which wasm operators get a generated handler, and in which shape:
//   Unary        dst a
//   Binary       dst a b
//   BinaryImm    dst a imm        (right operand a constant: 1 word, 2 for 64-bit types)
//   UnaryBr      a rel fuel       (i32 result consumed by br_if: branch if non-zero)
//   BinaryBr     a b rel fuel
//   BinaryImmBr  a imm rel fuel
//   Load         dst addr offset
//   Store        addr value offset
// and "accumulator" twins that take one operand from the previous
// instruction's result, which every generated producer also leaves in a
// register (the compiler uses them only when that instruction directly
// precedes, with no branch target between):
//   UnaryAcc     dst              BinaryAccA  dst b      BinaryAccB  dst a
//   BinaryImmAcc dst imm          LoadAcc     dst offset StoreAcc    addr offset
// and their compare-and-branch twins (the dst word replaced by rel fuel at the end),
// and loads whose address is an i32.add of a constant just computed:
//   LoadAddImm   dst base imm offset   (address (base + imm) mod 2^32, then + offset)
// Everything else (X rows, constants) is compiled by hand into internal ops.
// CTM_GEN_SHAPE expands opcodes.def rows to CTM_UNARY, CTM_BINARY,
// CTM_BINARY_IMM, CTM_UNARY_BR, CTM_BINARY_BR, CTM_BINARY_IMM_BR, CTM_LOAD and
// CTM_STORE, which the includer defines.
#define CTM_GEN_SHAPE(ident, text, prefix, code, imm, a, b, r, mem) \
  CTM_GEN_##imm##_##a(ident, a, b, r, mem)
#define CTM_GEN_None_X(ident, a, b, r, mem)
#define CTM_GEN_BlockType_X(ident, a, b, r, mem)
#define CTM_GEN_Index_X(ident, a, b, r, mem)
#define CTM_GEN_BrTable_X(ident, a, b, r, mem)
#define CTM_GEN_CallIndirect_X(ident, a, b, r, mem)
#define CTM_GEN_SelectT_X(ident, a, b, r, mem)
#define CTM_GEN_MemIdx_X(ident, a, b, r, mem)
#define CTM_GEN_RefType_X(ident, a, b, r, mem)
#define CTM_GEN_MemoryInit_X(ident, a, b, r, mem)
#define CTM_GEN_MemoryCopy_X(ident, a, b, r, mem)
#define CTM_GEN_TableInit_X(ident, a, b, r, mem)
#define CTM_GEN_TableCopy_X(ident, a, b, r, mem)
#define CTM_GEN_I32_V(ident, a, b, r, mem)
#define CTM_GEN_I64_V(ident, a, b, r, mem)
#define CTM_GEN_F32_V(ident, a, b, r, mem)
#define CTM_GEN_F64_V(ident, a, b, r, mem)
#define CTM_GEN_None_I32(ident, a, b, r, mem) CTM_GEN_ARITY_##b(ident, a, b, r)
#define CTM_GEN_None_I64(ident, a, b, r, mem) CTM_GEN_ARITY_##b(ident, a, b, r)
#define CTM_GEN_None_F32(ident, a, b, r, mem) CTM_GEN_ARITY_##b(ident, a, b, r)
#define CTM_GEN_None_F64(ident, a, b, r, mem) CTM_GEN_ARITY_##b(ident, a, b, r)
#if CTM_INTERP_SUPERINSTRUCTIONS
#define CTM_GEN_ARITY_V(ident, a, b, r) \
  CTM_UNARY(ident, a, r) CTM_UNARY_ACC(ident, a, r)  \
  CTM_GEN_BR_##r(CTM_UNARY_BR, ident, a, b) CTM_GEN_BR_##r(CTM_UNARY_ACC_BR, ident, a, b)
#define CTM_GEN_BINARY(ident, a, b, r)                                   \
  CTM_BINARY(ident, a, b, r) CTM_BINARY_IMM(ident, a, b, r)             \
  CTM_BINARY_ACC_A(ident, a, b, r) CTM_BINARY_ACC_B(ident, a, b, r)     \
  CTM_BINARY_IMM_ACC(ident, a, b, r)                                    \
  CTM_GEN_BR_##r(CTM_BINARY_BR, ident, a, b) CTM_GEN_BR_##r(CTM_BINARY_IMM_BR, ident, a, b) \
  CTM_GEN_BR_##r(CTM_BINARY_ACC_A_BR, ident, a, b)                                       \
  CTM_GEN_BR_##r(CTM_BINARY_ACC_B_BR, ident, a, b)                                       \
  CTM_GEN_BR_##r(CTM_BINARY_IMM_ACC_BR, ident, a, b)
#define CTM_GEN_LOAD(ident, r, mem) \
  CTM_LOAD(ident, r, mem) CTM_LOAD_ACC(ident, r, mem) CTM_LOAD_ADD_IMM(ident, r, mem)
#define CTM_GEN_STORE(ident, b, mem) CTM_STORE(ident, b, mem) CTM_STORE_ACC(ident, b, mem)
#else
#define CTM_GEN_ARITY_V(ident, a, b, r) CTM_UNARY(ident, a, r)
#define CTM_GEN_BINARY(ident, a, b, r) CTM_BINARY(ident, a, b, r)
#define CTM_GEN_LOAD(ident, r, mem) CTM_LOAD(ident, r, mem)
#define CTM_GEN_STORE(ident, b, mem) CTM_STORE(ident, b, mem)
#endif
#define CTM_GEN_ARITY_I32(ident, a, b, r) CTM_GEN_BINARY(ident, a, b, r)
#define CTM_GEN_ARITY_I64(ident, a, b, r) CTM_GEN_BINARY(ident, a, b, r)
#define CTM_GEN_ARITY_F32(ident, a, b, r) CTM_GEN_BINARY(ident, a, b, r)
#define CTM_GEN_ARITY_F64(ident, a, b, r) CTM_GEN_BINARY(ident, a, b, r)
// Only instructions producing an i32 can feed br_if.
#define CTM_GEN_BR_I32(shape, ident, a, b) shape(ident, a, b)
#define CTM_GEN_BR_I64(shape, ident, a, b)
#define CTM_GEN_BR_F32(shape, ident, a, b)
#define CTM_GEN_BR_F64(shape, ident, a, b)
#define CTM_GEN_MemArg_I32(ident, a, b, r, mem) CTM_GEN_MEM_##b(ident, b, r, mem)
#define CTM_GEN_MEM_V(ident, b, r, mem) CTM_GEN_LOAD(ident, r, mem)
#define CTM_GEN_MEM_I32(ident, b, r, mem) CTM_GEN_STORE(ident, b, mem)
#define CTM_GEN_MEM_I64(ident, b, r, mem) CTM_GEN_STORE(ident, b, mem)
#define CTM_GEN_MEM_F32(ident, b, r, mem) CTM_GEN_STORE(ident, b, mem)
#define CTM_GEN_MEM_F64(ident, b, r, mem) CTM_GEN_STORE(ident, b, mem)

// Superinstructions for the shift-and-combine chains of hashes and ciphers:
// outer(a, inner(src, imm)) in one dispatch, layout "dst a src imm", used when
// an immediate shift/rotate (or xor: "x ^ -1" is a bitwise not, as in the
// choose function "e & f | ~e & g") feeds straight into the combining operator.
#if CTM_INTERP_SUPERINSTRUCTIONS
#define CTM_FUSED_PAIR_OUTERS(X, Y) Y(X, I32Add) Y(X, I32Xor) Y(X, I32Or) Y(X, I32And)
#else
#define CTM_FUSED_PAIR_OUTERS(X, Y)
#endif
#define CTM_FUSED_PAIR_INNERS(X, outer) \
  X(outer, I32Rotl) X(outer, I32Rotr) X(outer, I32Shl) X(outer, I32ShrU) X(outer, I32ShrS) \
  X(outer, I32Xor)
#define CTM_FOR_EACH_FUSED_PAIR(X) CTM_FUSED_PAIR_OUTERS(X, CTM_FUSED_PAIR_INNERS)
// And their three-operand twins outer(a, inner(x, y)), layout "dst a x y",
// when a two-slot bitwise operation or add feeds straight into the combining
// operator (SHA-2's majority and choose functions: "t ^ (b & c)").
#define CTM_FUSED_PAIR3_INNERS(X, outer) X(outer, I32And) X(outer, I32Xor) X(outer, I32Or) X(outer, I32Add)
#define CTM_FOR_EACH_FUSED_PAIR3(X) CTM_FUSED_PAIR_OUTERS(X, CTM_FUSED_PAIR3_INNERS)

enum class IOp : uint16_t {
#define CTM_IOP_NAME(name) name,
#include "interp/iop_list.inc"
#undef CTM_IOP_NAME
  Count_
};

inline constexpr uint32_t kIOpCount = static_cast<uint32_t>(IOp::Count_);

// The word stored for an instruction: what the dispatch loop jumps on.
uint32_t opcode_word(IOp op);

// Maps a wasm operator to its generated interpreter instructions;
// IOp::Count_ where there is none.
struct GeneratedOp {
  IOp plain = IOp::Count_;
  IOp with_imm = IOp::Count_;  // right operand an immediate
  IOp acc = IOp::Count_;       // unary/load operand, or store value, from the accumulator
  IOp acc_a = IOp::Count_;     // binary: left operand from the accumulator
  IOp acc_b = IOp::Count_;     // binary: right operand from the accumulator
  IOp imm_acc = IOp::Count_;   // binary: accumulator op immediate
  IOp add_imm = IOp::Count_;   // load: address is base + immediate
  enum Shape : uint8_t { None, Unary, Binary, Load, Store } shape = None;
};
const GeneratedOp& generated_op(Op op);

// The compare-and-branch twin of an instruction producing an i32 (I32LtS ->
// I32LtSBr, I32LtSImm -> I32LtSImmBr); IOp::Count_ if it has none.
IOp fused_branch(IOp op);

// The fused outer(a, inner(src, imm)) instruction; IOp::Count_ if none.
IOp fused_pair(Op outer, IOp inner_imm);
// The fused outer(a, inner(x, y)) instruction (inner_plain: "inner dst x y");
// IOp::Count_ if none.
IOp fused_pair3(Op outer, IOp inner_plain);

// Operators whose operands may be swapped (so a constant on the left can
// become the immediate). A semantic fact opcodes.def does not carry.
bool is_commutative(Op op);

// Side-table entry: the instruction starting at code word `pc` came from the
// wasm instruction at byte `offset` of the module.
struct PcOffset {
  uint32_t pc;
  uint32_t offset;
};

struct CompiledFunc {
  explicit CompiledFunc(Allocator* a) : code(a), offsets(a) {}
  Vec<uint32_t> code;
  Vec<PcOffset> offsets;  // sorted by pc; consulted only when a trap happens
  uint32_t num_params = 0;
  uint32_t num_locals = 0;  // params + declared locals
  uint32_t num_results = 0;
  uint32_t max_slots = 0;   // locals + deepest operand stack

  // The wasm offset of the instruction containing code word `pc`.
  uint32_t offset_of(uint32_t pc) const;
};

// One activation on the explicit frame stack: where to continue in the caller.
struct Frame {
  const uint32_t* ret_ip;
  uint64_t* fp;
  FuncInstance* func;
};

inline void put_ptr(uint32_t* words, const void* p) {
  uint64_t v = reinterpret_cast<uintptr_t>(p);
  memcpy(words, &v, 8);
}
template <class T>
inline T* get_ptr(const uint32_t* words) {
  uint64_t v;
  memcpy(&v, words, 8);
  return reinterpret_cast<T*>(static_cast<uintptr_t>(v));
}

}  // namespace continuum::engine::interp
