// Translation of control instructions: blocks, loops, if/else, branches
// (with the values they carry moved into the target's slots), returns and calls.
#include "interp/compiler_impl.h"

namespace continuum::engine::interp::detail {

Result<void> Compiler::control(BinaryReader& r, const OpInfo& info) {
  switch (info.op) {
    case Op::Block:
    case Op::Loop:
    case Op::If: {
      int64_t bt;
      CTM_TRY_ASSIGN(bt, r.s33());
      Ctrl c;
      c.op = info.op;
      CTM_TRY(block_signature(bt, &c.num_params, &c.num_results));
      uint32_t cond = 0;
      if (info.op == Op::If) cond = pop_slot();
      // Both paths into and out of a block must agree on where values are.
      materialise_from(0);
      c.height = static_cast<uint32_t>(stack_.size()) - c.num_params;
      if (info.op == Op::If) {
        op(IOp::BrIfNot);
        word(cond);
        c.else_patch = pc();
        word(kNoIndex);
      } else if (info.op == Op::Loop) {
        c.loop_pc = pc();
        bind_label();
        c.loop_instr = instr_index_;
        ++loop_depth_;
      }
      if (!ctrls_.push_back(c)) return kOutOfMemory;
      return Ok();
    }
    case Op::Else: {
      Ctrl& c = ctrls_.back();
      if (!c.unreachable) {
        materialise_from(c.height);
        op(IOp::Br);
        branch_word(c);
        word(0);  // forward: no fuel
      }
      code_[c.else_patch] = pc() - c.else_patch;
      bind_label();
      c.else_patch = kNoIndex;
      c.unreachable = false;
      (void)stack_.resize(c.height);
      push_slots(c.num_params);
      return Ok();
    }
    case Op::End: {
      Ctrl c = ctrls_.back();
      if (c.op == Op::End) {
        if (!c.unreachable) emit_return();
        ctrls_.pop_back();
        return Ok();
      }
      if (!c.unreachable) materialise_from(c.height);
      if (c.op == Op::Loop) --loop_depth_;
      if (c.else_patch != kNoIndex) {
        code_[c.else_patch] = pc() - c.else_patch;
        bind_label();
      }
      resolve_chain(c.patch_head, pc());
      ctrls_.pop_back();
      (void)stack_.resize(c.height);
      push_slots(c.num_results);
      return Ok();
    }
    case Op::Br: {
      uint32_t depth;
      CTM_TRY_ASSIGN(depth, r.u32());
      branch_to(label(depth));
      set_unreachable();
      return Ok();
    }
    case Op::BrIf: {
      uint32_t depth;
      CTM_TRY_ASSIGN(depth, r.u32());
      uint32_t cond_pos = static_cast<uint32_t>(stack_.size() - 1);
      // br_if right after the instruction computing its condition: fuse them.
      IOp fused = IOp::Count_;
      // (Only generated numeric instructions have a twin; their words end
      // the code so far, with the destination right after the opcode.)
      if (stack_.back().kind == Entry::Slot && prev_dst_ != kNoIndex && prev_dst_height_ == cond_pos)
        fused = fused_branch(prev_dst_iop_);
      uint32_t cond = pop_slot();
      Ctrl& c = label(depth);
      if (branch_needs_moves(c)) {
        // Materialising changes the virtual stack, so it must happen on both
        // paths: before the conditional jump, not inside it.
        materialise_from(static_cast<uint32_t>(stack_.size()) - branch_arity(c));
        op(IOp::BrIfNot);
        word(cond);
        uint32_t skip = pc();
        word(0);
        branch_to(c);
        code_[skip] = pc() - skip;
        bind_label();
#if CTM_INTERP_SUPERINSTRUCTIONS
      } else if (fused != IOp::Count_ && counter_step_before(prev_dst_ - 1)) {
        // A loop counter: [i32.add_imm i i step][i32.ne_imm tmp i limit] + br_if
        // becomes one [I32AddImmNeImmBr i i step limit rel fuel].
        uint32_t start = prev_acc_start_;
        uint32_t dst = code_[start + 1], src = code_[start + 2], step = code_[start + 3];
        uint32_t limit = code_[prev_dst_ + 2];
        rewind_to(start);
        op(IOp::I32AddImmNeImmBr);
        word(dst);
        word(src);
        word(step);
        word(limit);
        branch_word(c);
        word(fuel_amount(c));
#endif
      } else if (fused != IOp::Count_) {
        // [op dst operands...] becomes [fused operands... rel fuel].
        uint32_t start = prev_dst_ - 1;
        code_[start] = opcode_word(fused);
        for (uint32_t w = prev_dst_; w + 1 < pc(); ++w) code_[w] = code_[w + 1];
        code_.pop_back();
        branch_word(c);
        word(fuel_amount(c));
      } else {
        op(IOp::BrIf);
        word(cond);
        branch_word(c);
        word(fuel_amount(c));
      }
      return Ok();
    }
    case Op::BrTable: {
      uint32_t n;
      CTM_TRY_ASSIGN(n, r.u32());
      Vec<uint32_t> depths(alloc_);
      if (!depths.resize(n + 1)) return kOutOfMemory;
      for (uint32_t i = 0; i <= n; ++i) CTM_TRY_ASSIGN(depths[i], r.u32());
      uint32_t index = pop_slot();
      // All targets take the same number of values; give them real slots once,
      // here, because the stubs below run on different paths.
      materialise_from(static_cast<uint32_t>(stack_.size()) - branch_arity(label(depths[n])));
      op(IOp::BrTable);
      word(index);
      word(n);
      uint32_t first = pc();
      for (uint32_t i = 0; i <= n; ++i) word(0);
      if (oom_) return kOutOfMemory;
      // Targets that need values moved get a small stub after the table.
      for (uint32_t i = 0; i <= n; ++i) {
        Ctrl& c = label(depths[i]);
        uint32_t at = first + i;
        if (branch_needs_moves(c) || c.op == Op::Loop) {
          // (Loop targets also go through a stub: its Br charges the fuel.)
          code_[at] = pc() - at;
          bind_label();
          branch_to(c);
        } else {
          code_[at] = c.patch_head;
          c.patch_head = at;
        }
        if (oom_) return kOutOfMemory;
      }
      set_unreachable();
      return Ok();
    }
    case Op::Return:
      emit_return();
      set_unreachable();
      return Ok();
    case Op::Call: {
      uint32_t x;
      CTM_TRY_ASSIGN(x, r.u32());
      FuncInstance* f = inst_.funcs[x];
      uint32_t np = static_cast<uint32_t>(f->type->params.size());
      uint32_t base = static_cast<uint32_t>(stack_.size()) - np;
      materialise_from(base);
      op(IOp::Call);
      ptr(f);
      word(slot_at(base));
      (void)stack_.resize(base);
      push_slots(static_cast<uint32_t>(f->type->results.size()));
      return Ok();
    }
    case Op::CallIndirect: {
      uint32_t type_index, table;
      CTM_TRY_ASSIGN(type_index, r.u32());
      CTM_TRY_ASSIGN(table, r.u32());
      const InternedType* t = inst_.type_ids[type_index];
      uint32_t index = pop_slot();
      uint32_t np = static_cast<uint32_t>(t->params.size());
      uint32_t base = static_cast<uint32_t>(stack_.size()) - np;
      materialise_from(base);
      op(IOp::CallIndirect);
      ptr(inst_.tables[table]);
      word(t->id);
      word(index);
      word(slot_at(base));
      (void)stack_.resize(base);
      push_slots(static_cast<uint32_t>(t->results.size()));
      return Ok();
    }
    default: break;
  }
  return Error::at("unexpected instruction", r.offset());
}

}  // namespace continuum::engine::interp::detail
