// Translation of memory and table instructions.
#include "interp/compiler_impl.h"

namespace continuum::engine::interp::detail {

Result<void> Compiler::memory_or_table(BinaryReader& r, const OpInfo& info) {
  const GeneratedOp& g = generated_op(info.op);
  if (g.shape == GeneratedOp::Load || g.shape == GeneratedOp::Store) {
    uint32_t align, offset;
    CTM_TRY_ASSIGN(align, r.u32());
    CTM_TRY_ASSIGN(offset, r.u32());
    (void)align;
    uint32_t top = static_cast<uint32_t>(stack_.size() - 1);
    if (g.shape == GeneratedOp::Load) {
      if (acc_holds(top) && acc_iop_ == generated_op(Op::I32Add).with_imm) {
        // "base + imm" computed just before only for this load: fold it in.
        uint32_t base = code_[acc_start_ + 2], imm = code_[acc_start_ + 3];
        fold_into_load(g.add_imm);
        word(base);
        word(imm);
#if CTM_INTERP_SUPERINSTRUCTIONS
      } else if (acc_holds(top) && info.op == Op::I32Load && acc_iop_ == generated_op(Op::I32Add).plain) {
        // "a + b" computed just before only for this load (base + index): the same.
        uint32_t a = code_[acc_start_ + 2], b = code_[acc_start_ + 3];
        fold_into_load(IOp::I32LoadAdd);
        word(a);
        word(b);
#endif
      } else if (acc_holds(top)) {
        stack_.pop_back();
        op(g.acc);
        dst_top();
      } else {
        uint32_t addr = pop_slot();
        op(g.plain);
        dst_top();
        word(addr);
      }
      word(offset);
      push_slot();
      mark_acc();
    } else {
      uint32_t addr = read_slot(top - 1);
      bool from_acc = acc_holds(top);
      uint32_t value = from_acc ? 0 : read_slot(top);
      (void)stack_.resize(top - 1);
      op(from_acc ? g.acc : g.plain);
      word(addr);
      if (!from_acc) word(value);
      word(offset);
    }
    return Ok();
  }
  // Pops n operands into s[0..n) (s[0] deepest).
  auto pop_n = [&](uint32_t* s, uint32_t n) {
    for (uint32_t i = n; i-- > 0;) s[i] = pop_slot();
  };
  uint32_t s[3];
  switch (info.op) {
    case Op::MemorySize:
      CTM_TRY(skip_immediates(r, info));
      op(IOp::MemorySize);
      dst_top();
      push_slot();
      return Ok();
    case Op::MemoryGrow:
      CTM_TRY(skip_immediates(r, info));
      pop_n(s, 1);
      op(IOp::MemoryGrow);
      dst_top();
      word(s[0]);
      push_slot();
      return Ok();
    case Op::MemoryFill:
    case Op::MemoryCopy:
      CTM_TRY(skip_immediates(r, info));
      pop_n(s, 3);
      op(info.op == Op::MemoryFill ? IOp::MemoryFill : IOp::MemoryCopy);
      word(s[0]);
      word(s[1]);
      word(s[2]);
      return Ok();
    case Op::MemoryInit: {
      uint32_t x;
      CTM_TRY_ASSIGN(x, r.u32());
      if (!r.u8().ok()) return Error::at("bad immediate", r.offset());
      pop_n(s, 3);
      op(IOp::MemoryInit);
      word(s[0]);
      word(s[1]);
      word(s[2]);
      ptr(&inst_.datas[x]);
      return Ok();
    }
    case Op::DataDrop: {
      uint32_t x;
      CTM_TRY_ASSIGN(x, r.u32());
      op(IOp::DataDrop);
      ptr(&inst_.datas[x]);
      return Ok();
    }
    case Op::TableGet:
    case Op::TableSet:
    case Op::TableSize:
    case Op::TableGrow:
    case Op::TableFill: {
      uint32_t x;
      CTM_TRY_ASSIGN(x, r.u32());
      TableInstance* t = inst_.tables[x];
      switch (info.op) {
        case Op::TableGet:
          pop_n(s, 1);
          op(IOp::TableGet);
          dst_top();
          word(s[0]);
          push_slot();
          break;
        case Op::TableSet:
          pop_n(s, 2);
          op(IOp::TableSet);
          word(s[0]);
          word(s[1]);
          break;
        case Op::TableSize:
          op(IOp::TableSize);
          dst_top();
          push_slot();
          break;
        case Op::TableGrow:
          pop_n(s, 2);
          op(IOp::TableGrow);
          dst_top();
          word(s[0]);
          word(s[1]);
          push_slot();
          break;
        default:
          pop_n(s, 3);
          op(IOp::TableFill);
          word(s[0]);
          word(s[1]);
          word(s[2]);
          break;
      }
      ptr(t);
      return Ok();
    }
    case Op::TableCopy: {
      uint32_t dst, src;
      CTM_TRY_ASSIGN(dst, r.u32());
      CTM_TRY_ASSIGN(src, r.u32());
      pop_n(s, 3);
      op(IOp::TableCopy);
      word(s[0]);
      word(s[1]);
      word(s[2]);
      ptr(inst_.tables[dst]);
      ptr(inst_.tables[src]);
      return Ok();
    }
    case Op::TableInit: {
      uint32_t elem, table;
      CTM_TRY_ASSIGN(elem, r.u32());
      CTM_TRY_ASSIGN(table, r.u32());
      pop_n(s, 3);
      op(IOp::TableInit);
      word(s[0]);
      word(s[1]);
      word(s[2]);
      ptr(inst_.tables[table]);
      ptr(&inst_.elems[elem]);
      return Ok();
    }
    case Op::ElemDrop: {
      uint32_t x;
      CTM_TRY_ASSIGN(x, r.u32());
      op(IOp::ElemDrop);
      ptr(&inst_.elems[x]);
      return Ok();
    }
    default: break;
  }
  return Error::at("unexpected instruction", r.offset());
}

}  // namespace continuum::engine::interp::detail
