// The translator from wasm bytecode to interpreter code.
//
// It walks the body once, keeping a virtual operand stack. Each entry says
// where its value is: in its own positional slot (locals first, then one slot
// per stack position), still in a local (after local.get, nothing copied
// yet), or a constant (nothing emitted yet). Instructions then name their
// operand slots directly, so `local.get a; local.get b; i32.add` becomes one
// `i32.add dst, a, b`. Lazy entries are made real ("materialised") only when
// needed: when their local is about to be overwritten, at control-flow
// boundaries, and for call arguments, which must lie at the top of the frame
// because they become the callee's first locals.
//
// Branch targets are resolved during the walk: backward ones (loops) at
// once, forward ones through a chain threaded through the unresolved words.
#include "interp/compiler.h"

#include "interp/compiler_impl.h"

namespace continuum::engine::interp {
namespace detail {

Result<void> Compiler::skip_immediates(BinaryReader& r, const OpInfo& info) {
  switch (info.imm) {
    case Imm::None: return Ok();
    case Imm::BlockType: return r.s33().ok() ? Ok() : Error::at("bad block type", r.offset());
    case Imm::Index:
    case Imm::I32: return r.s64().ok() ? Ok() : Error::at("bad immediate", r.offset());
    case Imm::I64: return r.s64().ok() ? Ok() : Error::at("bad immediate", r.offset());
    case Imm::F32: return r.skip(4).ok() ? Ok() : Error::at("bad immediate", r.offset());
    case Imm::F64: return r.skip(8).ok() ? Ok() : Error::at("bad immediate", r.offset());
    case Imm::MemIdx:
    case Imm::RefType: return r.u8().ok() ? Ok() : Error::at("bad immediate", r.offset());
    case Imm::BrTable: {
      auto n = r.u32();
      if (!n.ok()) return n.error();
      for (uint32_t i = 0; i <= n.value(); ++i)
        if (!r.u32().ok()) return Error::at("bad immediate", r.offset());
      return Ok();
    }
    case Imm::SelectT: {
      auto n = r.u32();
      if (!n.ok()) return n.error();
      for (uint32_t i = 0; i < n.value(); ++i)
        if (!r.u8().ok()) return Error::at("bad immediate", r.offset());
      return Ok();
    }
    case Imm::CallIndirect:
    case Imm::MemArg:
    case Imm::MemoryInit:
    case Imm::TableInit:
    case Imm::TableCopy:
      if (!r.u32().ok() || !r.u32().ok()) return Error::at("bad immediate", r.offset());
      return Ok();
    case Imm::MemoryCopy:
      if (!r.u8().ok() || !r.u8().ok()) return Error::at("bad immediate", r.offset());
      return Ok();
  }
  return Ok();
}

Result<void> Compiler::run() {
  num_locals_ = static_cast<uint32_t>(type_.params.size() + fn_.locals.size());
  out_.num_params = static_cast<uint32_t>(type_.params.size());
  out_.num_locals = num_locals_;
  out_.num_results = static_cast<uint32_t>(type_.results.size());
  if (!code_.reserve(fn_.body.size * 2 + 8)) return kOutOfMemory;

  Ctrl body;
  body.op = Op::End;
  body.num_results = out_.num_results;
  if (!ctrls_.push_back(body)) return kOutOfMemory;
  entry_fuel_point();

  BinaryReader r(module_.bytes() + fn_.body.offset, fn_.body.size, fn_.body.offset);
  while (!ctrls_.empty()) {
    uint32_t offset = r.offset();
    uint8_t byte;
    CTM_TRY_ASSIGN(byte, r.u8());
    const OpInfo* info;
    if (byte == kPrefixFC) {
      uint32_t code;
      CTM_TRY_ASSIGN(code, r.u32());
      info = op_info_fc(code);
    } else {
      info = op_info_single(byte);
    }
    if (info == nullptr) return Error::at("illegal opcode", offset);
    ++instr_index_;
    if (loop_depth_ == 0) ++fuel_count_;
    prev_dst_ = last_dst_;
    prev_dst_height_ = last_dst_height_;
    prev_dst_iop_ = last_dst_iop_;
    last_dst_ = kNoIndex;

    if (ctrls_.back().unreachable) {
      // Dead code is not translated; only its nesting is followed.
      bool nests = info->op == Op::Block || info->op == Op::Loop || info->op == Op::If;
      if (nests) {
        ++skip_depth_;
        CTM_TRY(skip_immediates(r, *info));
        continue;
      }
      if (skip_depth_ > 0) {
        if (info->op == Op::End) --skip_depth_;
        CTM_TRY(skip_immediates(r, *info));
        continue;
      }
      if (info->op != Op::End && info->op != Op::Else) {
        CTM_TRY(skip_immediates(r, *info));
        continue;
      }
    }
    // Side table entry for traps: the last instruction starting at this pc wins.
    if (!out_.offsets.empty() && out_.offsets.back().pc == pc()) {
      out_.offsets.back().offset = offset;
    } else if (!out_.offsets.push_back(PcOffset{pc(), offset})) {
      return kOutOfMemory;
    }
    CTM_TRY(instruction(r, *info, offset));
    if (oom_) return kOutOfMemory;
  }
  close_fuel_point();
  out_.max_slots = num_locals_ + max_height_;
  return Ok();
}

Result<void> Compiler::instruction(BinaryReader& r, const OpInfo& info, uint32_t offset) {
  switch (info.op) {
    case Op::Nop: return Ok();
    case Op::Drop:
      stack_.pop_back();
      return Ok();
    case Op::I32Const: {
      int32_t v;
      CTM_TRY_ASSIGN(v, r.s32());
      push(Entry{Entry::Const, false, 0, static_cast<uint32_t>(v)});
      return Ok();
    }
    case Op::I64Const: {
      int64_t v;
      CTM_TRY_ASSIGN(v, r.s64());
      uint64_t bits = static_cast<uint64_t>(v);
      push(Entry{Entry::Const, bits > 0xFFFFFFFFu, 0, bits});
      return Ok();
    }
    case Op::F32Const: {
      uint32_t bits;
      CTM_TRY_ASSIGN(bits, r.f32_bits());
      push(Entry{Entry::Const, false, 0, bits});
      return Ok();
    }
    case Op::F64Const: {
      uint64_t bits;
      CTM_TRY_ASSIGN(bits, r.f64_bits());
      push(Entry{Entry::Const, bits > 0xFFFFFFFFu, 0, bits});
      return Ok();
    }
    case Op::RefNull:
      CTM_TRY(skip_immediates(r, info));
      push(Entry{Entry::Const, false, 0, 0});
      return Ok();
    case Op::RefFunc: {
      uint32_t x;
      CTM_TRY_ASSIGN(x, r.u32());
      if (x >= inst_.funcs.size()) return Error::at("unknown function", offset);
      uint64_t bits = reinterpret_cast<uintptr_t>(inst_.funcs[x]);
      push(Entry{Entry::Const, bits > 0xFFFFFFFFu, 0, bits});
      return Ok();
    }
    case Op::RefIsNull: {
      uint32_t a = pop_slot();
      op(IOp::RefIsNull);
      dst_top();
      word(a);
      push_slot();
      return Ok();
    }
    case Op::LocalGet: {
      uint32_t x;
      CTM_TRY_ASSIGN(x, r.u32());
      push(Entry{Entry::Local, false, resolve_alias(x), 0});
      return Ok();
    }
    case Op::LocalSet:
    case Op::LocalTee: {
      uint32_t x;
      CTM_TRY_ASSIGN(x, r.u32());
      local_set(x, info.op == Op::LocalTee);
      return Ok();
    }
    case Op::GlobalGet: {
      uint32_t x;
      CTM_TRY_ASSIGN(x, r.u32());
      op(IOp::GlobalGet);
      dst_top();
      ptr(&inst_.globals[x]->bits);
      push_slot();
      return Ok();
    }
    case Op::GlobalSet: {
      uint32_t x;
      CTM_TRY_ASSIGN(x, r.u32());
      uint32_t src = pop_slot();
      op(IOp::GlobalSet);
      word(src);
      ptr(&inst_.globals[x]->bits);
      return Ok();
    }
    case Op::Select:
    case Op::SelectT: {
      CTM_TRY(skip_immediates(r, info));
      uint32_t cond = pop_slot();
      uint32_t b = pop_slot();
      uint32_t a = pop_slot();
      op(IOp::Select);
      dst_top();
      word(a);
      word(b);
      word(cond);
      push_slot();
      return Ok();
    }
    case Op::Unreachable:
      op(IOp::Unreachable);
      set_unreachable();
      return Ok();
    default: break;
  }
  const GeneratedOp& g = generated_op(info.op);
  if (g.shape == GeneratedOp::Unary || g.shape == GeneratedOp::Binary) {
    numeric(info);
    return Ok();
  }
  if (info.imm == Imm::BlockType || info.op == Op::Else || info.op == Op::End ||
      info.op == Op::Br || info.op == Op::BrIf || info.op == Op::BrTable ||
      info.op == Op::Return || info.op == Op::Call || info.op == Op::CallIndirect)
    return control(r, info);
  return memory_or_table(r, info);
}

void Compiler::local_set(uint32_t x, bool tee) {
  uint32_t top = static_cast<uint32_t>(stack_.size() - 1);
  Entry e = stack_[top];
  stack_.pop_back();
  bool copied = materialise_local(x);
  forget_aliases_of(x);
  if (e.kind == Entry::Slot && !copied && prev_dst_ != kNoIndex && prev_dst_height_ == top) {
    // The previous instruction computed this value: let it write the local.
    code_[prev_dst_] = x;
  } else {
    move(x, e, top);
    if (e.kind == Entry::Local && e.local != x) add_alias(x, e.local);
  }
  // After a tee of another local's value, keep reading that local: it was
  // written longer ago than the copy just made (no store-to-load stall).
  if (tee) push(e.kind == Entry::Slot ? Entry{Entry::Local, false, x, 0} : e);
}

#if CTM_INTERP_SUPERINSTRUCTIONS
namespace {
// A rotate or shift right by a constant, as "rotl n" (shr: is_shr), for the
// rotate chains below; false for anything else.
bool as_rotl(IOp iop, uint32_t imm, uint32_t* n, bool* is_shr) {
  *is_shr = false;
  if (iop == generated_op(Op::I32Rotl).with_imm) *n = imm & 31;
  else if (iop == generated_op(Op::I32Rotr).with_imm) *n = (32 - (imm & 31)) & 31;
  else if (iop == generated_op(Op::I32ShrU).with_imm) *n = imm & 31, *is_shr = true;
  else return false;
  return true;
}
}  // namespace
#endif

// An i32.xor of the accumulator ("acc_op dst src imm", a rotate or shift
// right by a constant) and the result of the instruction right before it
// (a rotate of the same src, or a chain built here): the Sigma functions of
// SHA-2 and similar hashes. Rewrites the two as one I32Rotl2Xor,
// I32Rotl3Xor or I32Rotl2XorShrU; false (nothing emitted) if they do not fit.
bool Compiler::rotate_chain() {
#if CTM_INTERP_SUPERINSTRUCTIONS
  uint32_t n, first;
  bool shr, first_shr;
  uint32_t src = code_[acc_start_ + 2];
  if (!as_rotl(acc_iop_, code_[acc_start_ + 3], &n, &shr)) return false;
  const uint32_t* prev = &code_[prev_acc_start_];
  uint32_t start = prev_acc_start_;
  uint32_t w[3];
  uint32_t count;
  IOp fused;
  if (as_rotl(prev_acc_iop_, prev[3], &first, &first_shr) && !first_shr && !shr && prev[2] == src) {
    w[0] = first, w[1] = n, count = 2, fused = IOp::I32Rotl2Xor;
  } else if (prev_acc_iop_ == IOp::I32Rotl2Xor && prev[2] == src) {
    w[0] = prev[3], w[1] = prev[4], w[2] = n, count = 3;
    fused = shr ? IOp::I32Rotl2XorShrU : IOp::I32Rotl3Xor;
  } else {
    return false;
  }
  rewind_to(start);
  op(fused);
  dst_top();
  word(src);
  for (uint32_t i = 0; i < count; ++i) word(w[i]);
  return true;
#else
  return false;
#endif
}

// An f64.add of a constant to the accumulator, when the accumulator is a
// product computed just before ("x * y + c", and the Horner step
// "p = c + a * p" where the product itself read the previous result from the
// accumulator): the two become one F64MulAddImm / F64MulAccAddImm. The
// caller has popped both operands; false (nothing emitted) if they do not fit.
bool Compiler::mul_add_imm(uint64_t imm_bits) {
#if CTM_INTERP_SUPERINSTRUCTIONS
  if (acc_iop_ == IOp::F64Mul) {
    uint32_t x = code_[acc_start_ + 2], y = code_[acc_start_ + 3];
    rewind_to(acc_start_);
    op(IOp::F64MulAddImm);
    dst_top();
    word(x);
    word(y);
  } else if (acc_iop_ == generated_op(Op::F64Mul).acc_b) {
    // "a * acc": the accumulator still holds the value the product read,
    // because the product was the only instruction after its producer.
    uint32_t a = code_[acc_start_ + 2];
    rewind_to(acc_start_);
    op(IOp::F64MulAccAddImm);
    dst_top();
    word(a);
  } else {
    return false;
  }
  imm64(imm_bits);
  return true;
#else
  (void)imm_bits;
  return false;
#endif
}

void Compiler::numeric(const OpInfo& info) {
  const GeneratedOp& g = generated_op(info.op);
  uint32_t top = static_cast<uint32_t>(stack_.size() - 1);
  if (g.shape == GeneratedOp::Unary) {
    if (acc_holds(top)) {
      stack_.pop_back();
      op(g.acc);
      dst_top();
    } else {
      uint32_t a = pop_slot();
      op(g.plain);
      dst_top();
      word(a);
    }
    push_slot();
    mark_acc();
    return;
  }
  const Entry& lhs = stack_[top - 1];
  const Entry& rhs = stack_[top];
  // A constant operand becomes an immediate: on the right always, on the
  // left when the operator is commutative.
  bool imm_right = rhs.kind == Entry::Const;
  bool imm_left = !imm_right && lhs.kind == Entry::Const && is_commutative(info.op);
  if (g.with_imm != IOp::Count_ && (imm_right || imm_left)) {
    uint64_t bits = imm_right ? rhs.bits : lhs.bits;
    uint32_t pos = imm_right ? top - 1 : top;
    bool from_acc = acc_holds(pos);
    uint32_t a = from_acc ? 0 : read_slot(pos);
    (void)stack_.resize(top - 1);
    if (from_acc && info.op == Op::F64Add && mul_add_imm(bits)) {
      push_slot();
      mark_acc();
      return;
    }
    op(from_acc ? g.imm_acc : g.with_imm);
    dst_top();
    if (!from_acc) word(a);
    if (info.b == ValType::I64 || info.b == ValType::F64) imm64(bits);
    else word(static_cast<uint32_t>(bits));
    push_slot();
    mark_acc();
    return;
  }
  // Operand slots first (this may materialise a constant, which ends any
  // accumulator chain), then the choice of form.
  uint32_t a = read_slot(top - 1);
  uint32_t b = read_slot(top);
  bool b_acc = acc_holds(top);
  bool a_acc = !b_acc && acc_holds(top - 1);
  bool a_from_prev = b_acc && stack_[top - 1].kind == Entry::Slot && prev_acc_adjacent(top - 1) &&
                     code_[prev_acc_start_ + 1] == a;
  (void)stack_.resize(top - 1);
  IOp pair = b_acc ? fused_pair(info.op, acc_iop_) : IOp::Count_;
  // (The outer operators of the three-operand pairs are all commutative;
  // f64.add up to which NaN comes out, which wasm leaves open.)
  IOp pair3 = b_acc || a_acc ? fused_pair3(info.op, acc_iop_) : IOp::Count_;
  if (a_from_prev && info.op == Op::I32Xor && rotate_chain()) {
    // done: the last two instructions became one I32Rotl*Xor*
#if CTM_INTERP_SUPERINSTRUCTIONS
  } else if (info.op == Op::I32Add && (a_acc || b_acc) &&
             acc_iop_ == generated_op(Op::I32Load).add_imm) {
    // "x + load(base + imm)": a sum of table entries, as SHA-256's
    // "... + K[i] + w[i]". The load's words become the fused instruction's.
    uint32_t other = b_acc ? a : b;
    uint32_t base = code_[acc_start_ + 2], imm = code_[acc_start_ + 3], offset = code_[acc_start_ + 4];
    rewind_to(acc_start_);
    op(IOp::I32AddLoadAddImm);
    dst_top();
    word(other);
    word(base);
    word(imm);
    word(offset);
#endif
  } else if (pair3 != IOp::Count_) {
    // The accumulator came from "inner dst x y" just before: replace it by
    // "pair3 dst other x y".
    uint32_t other = b_acc ? a : b;
    uint32_t x = code_[acc_start_ + 2], y = code_[acc_start_ + 3];
    rewind_to(acc_start_);
    op(pair3);
    dst_top();
    word(other);
    word(x);
    word(y);
  } else if (pair != IOp::Count_) {
    // The accumulator came from "inner dst src imm" just before: replace it
    // by "pair dst a src imm" (its own result slot is never read again).
    uint32_t src = code_[acc_start_ + 2], imm = code_[acc_start_ + 3];
    (void)code_.resize(acc_start_);
    op(pair);
    dst_top();
    word(a);
    word(src);
    word(imm);
  } else if (b_acc) {
    op(g.acc_b);
    dst_top();
    word(a);
  } else if (a_acc) {
    op(g.acc_a);
    dst_top();
    word(b);
  } else {
    op(g.plain);
    dst_top();
    word(a);
    word(b);
  }
  push_slot();
  mark_acc();
}

}  // namespace detail

using detail::Compiler;
using detail::kOutOfMemory;

Result<CompiledFunc*> compile_function(RuntimeInstance& inst, uint32_t defined_index) {
  Allocator& a = inst.store().allocator();
  CompiledFunc* out = make<CompiledFunc>(a, &a);
  if (out == nullptr) return kOutOfMemory;
  Compiler c(inst, defined_index, *out);
  Result<void> r = c.run();
  if (!r.ok()) {
    destroy(a, out);
    return r.error();
  }
  return out;
}

Result<void> compile_instance(RuntimeInstance& inst) {
  const Module& m = inst.module();
  for (uint32_t i = 0; i < m.functions.size(); ++i) {
    CompiledFunc* code;
    CTM_TRY_ASSIGN(code, compile_function(inst, i));
    inst.funcs[m.num_imported_funcs + i]->code = code;
  }
  return Ok();
}

void free_code(Allocator& a, CompiledFunc* code) { destroy(a, code); }

}  // namespace continuum::engine::interp
