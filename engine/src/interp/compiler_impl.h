// The translator's state and its small emission helpers, shared by the
// files that translate instruction groups (compiler.cc: the walk, numeric
// and variable instructions; compiler_control.cc: blocks, branches, calls;
// compiler_memory.cc: memory and table instructions). See compiler.cc for
// how the translation works.
#pragma once

#include "binary_reader.h"
#include "continuum/engine/opcodes.h"
#include "interp/compiler.h"

namespace continuum::engine::interp::detail {

inline const Error kOutOfMemory = Error::at("out of memory", kNoIndex);

struct Entry {
  enum Kind : uint8_t { Slot, Local, Const };
  Kind kind = Slot;
  bool wide = false;  // Const: needs 64 bits
  uint32_t local = 0;
  uint64_t bits = 0;
};

struct Ctrl {
  Op op = Op::Block;      // Block, Loop, If, or End for the function body itself
  uint32_t height = 0;    // stack height below the block's parameters
  uint32_t num_params = 0;
  uint32_t num_results = 0;
  uint32_t loop_pc = 0;             // Loop: where a branch goes
  uint32_t loop_instr = 0;          // Loop: index of the loop instruction, for fuel
  uint32_t patch_head = kNoIndex;   // forward branches waiting for the end
  uint32_t else_patch = kNoIndex;   // If: the false branch's target word
  bool unreachable = false;
};

class Compiler {
 public:
  Compiler(RuntimeInstance& inst, uint32_t defined_index, CompiledFunc& out)
      : inst_(inst), module_(inst.module()), alloc_(&inst.store().allocator()),
        fn_(module_.functions[defined_index]),
        type_(*inst.funcs[module_.num_imported_funcs + defined_index]->type), out_(out),
        code_(out.code), stack_(alloc_), ctrls_(alloc_) {}

  Result<void> run();

 private:
  // ---- emission
  bool ok() const { return !oom_; }
  uint32_t pc() const { return static_cast<uint32_t>(code_.size()); }
  void word(uint32_t w) { oom_ |= !code_.push_back(w); }
  void op(IOp o) {
    last_iop_ = o;
    word(opcode_word(o));
  }
  void ptr(const void* p) {
    uint32_t w[2];
    put_ptr(w, p);
    word(w[0]);
    word(w[1]);
  }
  void imm64(uint64_t v) {
    word(static_cast<uint32_t>(v));
    word(static_cast<uint32_t>(v >> 32));
  }
  // Emits a destination operand for a value pushed at the top; remembers it so
  // a following local.set can write the local directly instead.
  void dst_top() {
    last_dst_ = pc();
    last_dst_iop_ = last_iop_;
    last_dst_height_ = static_cast<uint32_t>(stack_.size());
    word(slot_at(static_cast<uint32_t>(stack_.size())));
  }

  // ---- virtual stack
  uint32_t slot_at(uint32_t position) const { return num_locals_ + position; }
  void push(Entry e) {
    oom_ |= !stack_.push_back(e);
    if (stack_.size() > max_height_) max_height_ = static_cast<uint32_t>(stack_.size());
  }
  void push_slot() { push(Entry{}); }
  void push_slots(uint32_t n) {
    for (uint32_t i = 0; i < n; ++i) push_slot();
  }
  // Where the entry at `position` can be read; constants get materialised.
  uint32_t read_slot(uint32_t position) {
    Entry& e = stack_[position];
    if (e.kind == Entry::Const) materialise(position);
    return e.kind == Entry::Local ? e.local : slot_at(position);
  }
  // Pops the top entry and returns the slot holding its value.
  uint32_t pop_slot() {
    uint32_t s = read_slot(static_cast<uint32_t>(stack_.size() - 1));
    stack_.pop_back();
    return s;
  }
  void emit_const(uint32_t dst, const Entry& e) {
    if (e.wide) {
      op(IOp::Const64);
      word(dst);
      imm64(e.bits);
    } else {
      op(IOp::Const32);
      word(dst);
      word(static_cast<uint32_t>(e.bits));
    }
  }
  // Writes the value of entry `e` into slot `dst`.
  void move(uint32_t dst, const Entry& e, uint32_t position) {
    if (e.kind == Entry::Const) {
      emit_const(dst, e);
      return;
    }
    uint32_t src = e.kind == Entry::Local ? e.local : slot_at(position);
    if (src == dst) return;
    emit_copy(dst, src);
  }
  // Copies come in runs (shuffling locals at the end of a loop body); up to
  // kMaxCopyRun in a row become one Copy2/Copy3/Copy4, saving dispatches,
  // unless a branch lands between. The compact build stops at Copy2.
  static constexpr uint32_t kMaxCopyRun = CTM_INTERP_SUPERINSTRUCTIONS ? 4 : 2;
  static IOp copy_op(uint32_t n) {
#if CTM_INTERP_SUPERINSTRUCTIONS
    if (n == 3) return IOp::Copy3;
    if (n == 4) return IOp::Copy4;
#endif
    return n == 2 ? IOp::Copy2 : IOp::Copy;
  }
  void emit_copy(uint32_t dst, uint32_t src) {
    if (last_copy_ != kNoIndex && last_copy_ + 1 + 2 * copy_run_ == pc() && label_pc_ != pc() &&
        copy_run_ < kMaxCopyRun) {
      code_[last_copy_] = opcode_word(copy_op(++copy_run_));
      word(dst);
      word(src);
      return;
    }
    last_copy_ = pc();
    copy_run_ = 1;
    op(IOp::Copy);
    word(dst);
    word(src);
  }
  // Marks the current pc as a branch target. Paths join there, so what one of
  // them knew about locals holding equal values no longer holds.
  void bind_label() {
    label_pc_ = pc();
    num_aliases_ = 0;
  }

  // Copy propagation between locals: after "local.set y" of local x's value
  // (clang's phi copies, e.g. SHA-256's "f = e; e = ..."), y and x hold the
  // same value until either is written or a branch lands, and local.get y
  // reads x, so operations on "both" see one source (and fuse, see
  // rotate_chain). A few recent pairs are enough for that.
  static constexpr uint32_t kMaxAliases = 8;
  uint32_t resolve_alias(uint32_t y) const {
    if (!CTM_INTERP_SUPERINSTRUCTIONS) return y;  // the compact build records none
    for (uint32_t i = 0; i < num_aliases_; ++i)
      if (aliases_[i].copy == y) return aliases_[i].source;
    return y;
  }
  void forget_aliases_of(uint32_t x) {
    if (!CTM_INTERP_SUPERINSTRUCTIONS) return;
    uint32_t n = 0;
    for (uint32_t i = 0; i < num_aliases_; ++i)
      if (aliases_[i].copy != x && aliases_[i].source != x) aliases_[n++] = aliases_[i];
    num_aliases_ = n;
  }
  void add_alias(uint32_t copy, uint32_t source) {
    if (!CTM_INTERP_SUPERINSTRUCTIONS) return;
    if (num_aliases_ == kMaxAliases) {
      for (uint32_t i = 1; i < kMaxAliases; ++i) aliases_[i - 1] = aliases_[i];
      --num_aliases_;
    }
    aliases_[num_aliases_++] = Alias{copy, source};
  }

  // The accumulator: generated instructions also leave their result in a
  // register. The next instruction may read it from there instead of from
  // the slot (saving a store-to-load round trip on dependency chains) when
  // it directly follows in the code, with no branch landing in between.
  void mark_acc() {
    if (CTM_INTERP_SUPERINSTRUCTIONS) {
      prev_acc_pos_ = acc_pos_;
      prev_acc_pc_ = acc_pc_;
      prev_acc_start_ = acc_start_;
      prev_acc_iop_ = acc_iop_;
    }
    acc_pos_ = static_cast<uint32_t>(stack_.size() - 1);
    acc_pc_ = pc();
    acc_start_ = last_dst_ - 1;  // the destination follows the opcode word
    acc_iop_ = last_dst_iop_;
  }
  // The compact build (CTM_INTERP_SUPERINSTRUCTIONS=0, see code.h) has no
  // accumulator twins: never holding anything turns off every fusion that
  // starts from the previous result (Acc forms, pairs, add-into-load).
  bool acc_holds(uint32_t position) const {
    return CTM_INTERP_SUPERINSTRUCTIONS && position == acc_pos_ && acc_pc_ == pc() && label_pc_ != pc() &&
           position < stack_.size() && stack_[position].kind == Entry::Slot;
  }
  // Did the instruction before the accumulator's (see mark_acc) produce stack
  // position `position` and end where the accumulator's starts, with no branch
  // landing inside either? Then the two can be rewritten as one.
  bool prev_acc_adjacent(uint32_t position) const {
    return CTM_INTERP_SUPERINSTRUCTIONS && prev_acc_pos_ == position && prev_acc_pc_ == acc_start_ &&
           prev_acc_start_ != kNoIndex && (label_pc_ == kNoIndex || label_pc_ <= prev_acc_start_);
  }
  // Is the condition of a br_if an "i32.ne_imm tmp x limit" starting at
  // `ne_start`, right after an "i32.add_imm x src step" (a loop counter)?
  bool counter_step_before(uint32_t ne_start) const {
    return CTM_INTERP_SUPERINSTRUCTIONS && acc_start_ == ne_start && acc_pc_ == pc() &&
           acc_iop_ == generated_op(Op::I32Ne).with_imm && prev_acc_adjacent(prev_acc_pos_) &&
           prev_acc_iop_ == generated_op(Op::I32Add).with_imm && code_[prev_acc_start_ + 1] == code_[ne_start + 2];
  }
  // Replaces the accumulator's instruction (an address computation used only
  // by the load being translated) by the start of the fused load `fused`:
  // opcode and destination; the caller adds the address operands.
  void fold_into_load(IOp fused) {
    (void)code_.resize(acc_start_);
    // A trap in the fused instruction is the load's.
    uint32_t load_offset = out_.offsets.back().offset;
    while (!out_.offsets.empty() && out_.offsets.back().pc >= acc_start_) out_.offsets.pop_back();
    oom_ |= !out_.offsets.push_back(PcOffset{acc_start_, load_offset});
    stack_.pop_back();
    op(fused);
    dst_top();
  }
  // Cuts the code back to `start` to re-emit the instructions from there as
  // one; the trap side table keeps the entry for `start` only.
  void rewind_to(uint32_t start) {
    (void)code_.resize(start);
    while (!out_.offsets.empty() && out_.offsets.back().pc > start) out_.offsets.pop_back();
    acc_pc_ = prev_acc_pc_ = kNoIndex;
    last_copy_ = kNoIndex;
  }
  void materialise(uint32_t position) {
    Entry& e = stack_[position];
    if (e.kind == Entry::Slot) return;
    move(slot_at(position), e, position);
    e = Entry{};
  }
  void materialise_from(uint32_t position) {
    for (uint32_t p = position; p < stack_.size(); ++p) materialise(p);
  }
  // Before local `x` changes, entries still reading it get their own copy.
  bool materialise_local(uint32_t x) {
    bool any = false;
    for (uint32_t p = 0; p < stack_.size(); ++p) {
      if (stack_[p].kind == Entry::Local && stack_[p].local == x) {
        materialise(p);
        any = true;
      }
    }
    return any;
  }

  // ---- control
  Ctrl& label(uint32_t depth) { return ctrls_[ctrls_.size() - 1 - depth]; }
  uint32_t label_arity(const Ctrl& c) const { return c.op == Op::Loop ? c.num_params : c.num_results; }
  // Values a branch to `c` carries (for the function body: its results).
  uint32_t branch_arity(const Ctrl& c) const { return c.op == Op::End ? out_.num_results : label_arity(c); }
  // Emits a branch offset word to `c`'s target (or links it for patching).
  void branch_word(Ctrl& c) {
    if (c.op == Op::Loop) {
      word(c.loop_pc - pc());
    } else {
      uint32_t at = pc();
      word(c.patch_head);
      c.patch_head = at;
    }
  }
  void resolve_chain(uint32_t head, uint32_t target) {
    if (head != kNoIndex && target == pc()) bind_label();
    while (head != kNoIndex) {
      uint32_t next = code_[head];
      code_[head] = target - head;
      head = next;
    }
  }
  // Would branching to `c` from here copy anything (or return)?
  bool branch_needs_moves(const Ctrl& c) const {
    if (c.op == Op::End) return true;
    uint32_t n = label_arity(c);
    uint32_t top = static_cast<uint32_t>(stack_.size());
    for (uint32_t k = 0; k < n; ++k) {
      const Entry& e = stack_[top - n + k];
      if (e.kind != Entry::Slot || top - n + k != c.height + k) return true;
    }
    return false;
  }
  // The fuel a branch to `c` charges: a loop back-edge pays for one more
  // iteration (the instructions from the loop head to the branch).
  uint32_t fuel_amount(const Ctrl& c) const {
    if (c.op != Op::Loop) return 0;
    uint32_t n = instr_index_ - c.loop_instr;
    return n ? n : 1;
  }
  // Moves the label's values into place and jumps (or returns).
  void branch_to(Ctrl& c) {
    if (c.op == Op::End) {
      emit_return();
      return;
    }
    uint32_t n = label_arity(c);
    uint32_t top = static_cast<uint32_t>(stack_.size());
    // Ascending order is safe: a destination is never above its source.
    for (uint32_t k = 0; k < n; ++k) move(slot_at(c.height + k), stack_[top - n + k], top - n + k);
    op(IOp::Br);
    branch_word(c);
    word(fuel_amount(c));
  }
  void emit_return() {
    uint32_t n = static_cast<uint32_t>(type_.results.size());
    uint32_t top = static_cast<uint32_t>(stack_.size());
    // Results go to slots 0..n-1, which may be locals other entries read:
    // give every result its own positional slot first, then copy upwards-safe.
    materialise_from(top - n);
    for (uint32_t k = 0; k < n; ++k) {
      uint32_t src = slot_at(top - n + k);
      if (src != k) emit_copy(k, src);
    }
    op(IOp::Return);
  }
  void set_unreachable() {
    Ctrl& c = ctrls_.back();
    c.unreachable = true;
    (void)stack_.resize(c.height);  // shrinking never fails
  }

  // ---- fuel: charged at function entry for the instructions outside loops,
  // and by every loop back-edge for one iteration (see fuel_amount). So any
  // endless loop or recursion runs out, and straight-line code costs nothing
  // extra. The entry charge is patched in when the body has been read.
  void entry_fuel_point() {
    op(IOp::Fuel);
    fuel_word_ = pc();
    word(0);
  }
  void close_fuel_point() { code_[fuel_word_] = fuel_count_ ? fuel_count_ : 1; }

  Result<void> block_signature(int64_t bt, uint32_t* np, uint32_t* nr) {
    if (bt == -64) {
      *np = *nr = 0;
    } else if (bt < 0) {
      *np = 0;
      *nr = 1;
    } else {
      if (static_cast<uint64_t>(bt) >= module_.types.size()) return Error::at("unknown type", kNoIndex);
      *np = static_cast<uint32_t>(module_.types[bt].params.size());
      *nr = static_cast<uint32_t>(module_.types[bt].results.size());
    }
    return Ok();
  }

  Result<void> skip_immediates(BinaryReader& r, const OpInfo& info);
  Result<void> instruction(BinaryReader& r, const OpInfo& info, uint32_t offset);
  Result<void> control(BinaryReader& r, const OpInfo& info);
  Result<void> memory_or_table(BinaryReader& r, const OpInfo& info);
  void numeric(const OpInfo& info);
  bool rotate_chain();
  bool mul_add_imm(uint64_t imm_bits);
  void local_set(uint32_t x, bool tee);

  RuntimeInstance& inst_;
  const Module& module_;
  Allocator* alloc_;
  const Function& fn_;
  const InternedType& type_;
  CompiledFunc& out_;
  Vec<uint32_t>& code_;
  Vec<Entry> stack_;
  Vec<Ctrl> ctrls_;
  uint32_t num_locals_ = 0;
  uint32_t max_height_ = 0;
  uint32_t last_dst_ = kNoIndex;         // word of the previous instruction's destination
  uint32_t last_dst_height_ = kNoIndex;  // ... and the stack position it produced
  uint32_t prev_dst_ = kNoIndex;
  uint32_t prev_dst_height_ = kNoIndex;
  uint32_t fuel_word_ = kNoIndex;
  uint32_t fuel_count_ = 0;   // instructions outside loops
  uint32_t instr_index_ = 0;  // instructions read so far
  uint32_t loop_depth_ = 0;
  IOp last_iop_ = IOp::Count_;      // the instruction op() emitted last
  IOp last_dst_iop_ = IOp::Count_;  // ... the one dst_top() belonged to
  IOp prev_dst_iop_ = IOp::Count_;
  uint32_t skip_depth_ = 0;  // nesting inside unreachable code
  uint32_t last_copy_ = kNoIndex;  // start of the last Copy emitted
  uint32_t label_pc_ = kNoIndex;   // the last pc a branch targets
  uint32_t acc_pos_ = kNoIndex;    // stack position whose value the accumulator holds ...
  uint32_t acc_pc_ = kNoIndex;     // ... as long as the code still ends here
  uint32_t acc_start_ = kNoIndex;  // where that instruction starts
  IOp acc_iop_ = IOp::Count_;      // ... and what it is
  uint32_t prev_acc_pos_ = kNoIndex;    // the same for the instruction before it
  uint32_t prev_acc_pc_ = kNoIndex;
  uint32_t prev_acc_start_ = kNoIndex;
  IOp prev_acc_iop_ = IOp::Count_;
  uint32_t copy_run_ = 0;  // copies merged into the one at last_copy_
  struct Alias {
    uint32_t copy, source;  // local `copy` holds the value of local `source`
  };
  Alias aliases_[kMaxAliases] = {};
  uint32_t num_aliases_ = 0;
  bool oom_ = false;
};


}  // namespace continuum::engine::interp::detail
