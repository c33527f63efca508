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

#include "binary_reader.h"
#include "continuum/engine/opcodes.h"

namespace continuum::engine::interp {
namespace {

const Error kOutOfMemory = Error::at("out of memory", kNoIndex);

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
  // Copies come in runs (shuffling locals at the end of a loop body); two in
  // a row become one Copy2, saving a dispatch, unless a branch lands between.
  void emit_copy(uint32_t dst, uint32_t src) {
    if (last_copy_ != kNoIndex && last_copy_ + 3 == pc() && label_pc_ != pc()) {
      code_[last_copy_] = opcode_word(IOp::Copy2);
      word(dst);
      word(src);
      last_copy_ = kNoIndex;
      return;
    }
    last_copy_ = pc();
    op(IOp::Copy);
    word(dst);
    word(src);
  }
  // Marks the current pc as a branch target.
  void bind_label() { label_pc_ = pc(); }

  // The accumulator: generated instructions also leave their result in a
  // register. The next instruction may read it from there instead of from
  // the slot (saving a store-to-load round trip on dependency chains) when
  // it directly follows in the code, with no branch landing in between.
  void mark_acc() {
    acc_pos_ = static_cast<uint32_t>(stack_.size() - 1);
    acc_pc_ = pc();
    acc_start_ = last_dst_ - 1;  // the destination follows the opcode word
    acc_iop_ = last_dst_iop_;
  }
  bool acc_holds(uint32_t position) const {
    return position == acc_pos_ && acc_pc_ == pc() && label_pc_ != pc() &&
           position < stack_.size() && stack_[position].kind == Entry::Slot;
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
  bool oom_ = false;
};

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
      push(Entry{Entry::Local, false, x, 0});
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
  if (e.kind == Entry::Slot && !copied && prev_dst_ != kNoIndex && prev_dst_height_ == top) {
    // The previous instruction computed this value: let it write the local.
    code_[prev_dst_] = x;
  } else {
    move(x, e, top);
  }
  // After a tee of another local's value, keep reading that local: it was
  // written longer ago than the copy just made (no store-to-load stall).
  if (tee) push(e.kind == Entry::Slot ? Entry{Entry::Local, false, x, 0} : e);
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
  (void)stack_.resize(top - 1);
  IOp pair = b_acc ? fused_pair(info.op, acc_iop_) : IOp::Count_;
  if (pair != IOp::Count_) {
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

Result<void> Compiler::memory_or_table(BinaryReader& r, const OpInfo& info) {
  const GeneratedOp& g = generated_op(info.op);
  if (g.shape == GeneratedOp::Load || g.shape == GeneratedOp::Store) {
    uint32_t align, offset;
    CTM_TRY_ASSIGN(align, r.u32());
    CTM_TRY_ASSIGN(offset, r.u32());
    (void)align;
    uint32_t top = static_cast<uint32_t>(stack_.size() - 1);
    if (g.shape == GeneratedOp::Load) {
      if (acc_holds(top) && acc_iop_ == IOp::I32AddImm) {
        // "base + imm" computed just before only for this load: fold it in.
        uint32_t base = code_[acc_start_ + 2], imm = code_[acc_start_ + 3];
        (void)code_.resize(acc_start_);
        // A trap in the fused instruction is the load's.
        uint32_t load_offset = out_.offsets.back().offset;
        while (!out_.offsets.empty() && out_.offsets.back().pc >= acc_start_) out_.offsets.pop_back();
        oom_ |= !out_.offsets.push_back(PcOffset{acc_start_, load_offset});
        stack_.pop_back();
        op(g.add_imm);
        dst_top();
        word(base);
        word(imm);
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

}  // namespace

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
