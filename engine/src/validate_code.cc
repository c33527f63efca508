// Function-body validation: the algorithm of the spec's validation appendix.
// An operand-type stack and a control stack (both heap Vecs, so hostile
// nesting depth never touches the C stack) are threaded through one pass
// over the instructions. After an unconditional branch the rest of the block
// is "unreachable": the operand stack is polymorphic there, so popping below
// the block's height yields an Unknown type that matches anything.
//
// Simple operators take their signatures from opcodes.def; the instructions
// marked X there (control, variables, references, tables, bulk memory) are
// checked by hand below.
#include "validate_code.h"

#include "binary_reader.h"
#include "continuum/engine/opcodes.h"
#include "decode_instruction.h"
#include "decode_sections.h"

namespace continuum::engine {
namespace {

// An operand whose type is not known (popped from a polymorphic stack).
constexpr ValType kUnknown = ValType::None;

enum class FrameKind : uint8_t { Function, Block, Loop, If, Else };

struct Frame {
  FrameKind kind;
  // Block signature: a type index, or (when kNoIndex) no parameters and
  // `single` as the only result (None for the empty block type).
  uint32_t type_index;
  ValType single;
  uint32_t height;  // operand stack height at block entry (after its params were popped)
  bool unreachable;
};

class FunctionValidator {
 public:
  FunctionValidator(const CodeContext& ctx, uint32_t defined_index)
      : ctx_(ctx),
        m_(ctx.module),
        f_(m_.functions[defined_index]),
        func_index_(m_.num_imported_funcs + defined_index),
        r_(m_.bytes() + f_.body.offset, f_.body.size, f_.body.offset),
        stack_(&m_.allocator()),
        ctrl_(&m_.allocator()),
        scratch_(&m_.allocator()) {}

  Result<void> run();

 private:
  // --- errors ---
  Error fail(const char* message) const {
    Error e = Error::at(message, op_offset_);
    e.function = func_index_;
    e.context = op_ ? op_->name : nullptr;
    return e;
  }
  Error mismatch(ValType expected, ValType actual) const {
    Error e = fail("type mismatch");
    e.expected = expected;
    e.actual = actual;
    return e;
  }

  // --- block signatures ---
  const FuncType* sig(const Frame& f) const {
    return f.type_index == kNoIndex ? nullptr : &m_.types[f.type_index];
  }
  uint32_t param_count(const Frame& f) const {
    const FuncType* t = sig(f);
    return t ? static_cast<uint32_t>(t->params.size()) : 0;
  }
  ValType param(const Frame& f, uint32_t i) const { return sig(f)->params[i]; }
  uint32_t result_count(const Frame& f) const {
    const FuncType* t = sig(f);
    if (t) return static_cast<uint32_t>(t->results.size());
    return f.single == ValType::None ? 0 : 1;
  }
  ValType result(const Frame& f, uint32_t i) const {
    const FuncType* t = sig(f);
    return t ? t->results[i] : f.single;
  }
  // A branch to a loop goes back to its start (takes its parameters);
  // to anything else it goes to the end (takes its results).
  uint32_t label_count(const Frame& f) const {
    return f.kind == FrameKind::Loop ? param_count(f) : result_count(f);
  }
  ValType label_type(const Frame& f, uint32_t i) const {
    return f.kind == FrameKind::Loop ? param(f, i) : result(f, i);
  }

  // --- operand stack ---
  Result<void> push(ValType t) {
    if (!stack_.push_back(t)) return fail(kOutOfMemory);
    return Ok();
  }
  // Pops one operand; Unknown when the stack is polymorphic here.
  Result<ValType> pop_any() {
    const Frame& f = ctrl_.back();
    if (stack_.size() == f.height) {
      if (f.unreachable) return kUnknown;
      return mismatch(kUnknown, kUnknown);
    }
    ValType t = stack_.back();
    stack_.pop_back();
    return t;
  }
  // Pops one operand that must have type `expected`; returns what was there
  // (Unknown on a polymorphic stack).
  Result<ValType> pop(ValType expected) {
    const Frame& f = ctrl_.back();
    if (stack_.size() == f.height) {
      if (f.unreachable) return kUnknown;
      return mismatch(expected, kUnknown);
    }
    ValType actual = stack_.back();
    if (actual != expected && actual != kUnknown && expected != kUnknown)
      return mismatch(expected, actual);
    stack_.pop_back();
    return actual;
  }
  Result<void> expect(ValType t) {
    auto p = pop(t);
    return p.ok() ? Ok() : Result<void>(p.error());
  }
  Result<void> pop_params(const FuncType& t) {
    for (size_t i = t.params.size(); i-- > 0;) CTM_TRY(expect(t.params[i]));
    return Ok();
  }
  Result<void> push_results(const FuncType& t) {
    for (ValType v : t.results) CTM_TRY(push(v));
    return Ok();
  }
  Result<void> pop_label(const Frame& f) {
    for (uint32_t i = label_count(f); i-- > 0;) CTM_TRY(expect(label_type(f, i)));
    return Ok();
  }
  Result<void> push_label(const Frame& f) {
    for (uint32_t i = 0; i < label_count(f); ++i) CTM_TRY(push(label_type(f, i)));
    return Ok();
  }
  void set_unreachable() {
    Frame& f = ctrl_.back();
    while (stack_.size() > f.height) stack_.pop_back();
    f.unreachable = true;
  }

  // --- index checks ---
  Result<void> need_memory() {
    if (m_.num_memories() == 0) return fail("unknown memory");
    return Ok();
  }
  Result<void> need_table(uint32_t t) {
    if (t >= m_.num_tables()) return fail("unknown table");
    return Ok();
  }
  Result<const Frame*> label(uint32_t depth) {
    if (depth >= ctrl_.size()) return fail("unknown label");
    return &ctrl_[ctrl_.size() - 1 - depth];
  }
  Result<ValType> local_type(uint32_t i) {
    const FuncType& t = m_.func_type(func_index_);
    if (i < t.params.size()) return t.params[i];
    if (i - t.params.size() < f_.locals.size()) return f_.locals[i - t.params.size()];
    return fail("unknown local");
  }
  // memory.init and data.drop need the data count section, which announces
  // the segments before the code section. Without it the index can still be
  // plainly out of range (the data section, if any, has been decoded by now).
  Result<void> need_data_count(uint32_t data_index) {
    if (m_.data_count == kNoIndex) {
      if (data_index >= m_.datas.size()) return fail("unknown data segment");
      return fail("data count section required");
    }
    if (data_index >= m_.data_count) return fail("unknown data segment");
    return Ok();
  }

  // --- instruction groups ---
  Result<void> block_start(FrameKind kind, const Instruction& in);
  Result<void> block_end();
  Result<void> else_();
  Result<void> br_table(const Instruction& in);
  Result<void> simple(const Instruction& in);
  Result<void> special(const Instruction& in);
  Result<void> misc(const Instruction& in);
  Result<void> mem_arg(const Instruction& in);
  Result<void> push_frame(FrameKind kind, uint32_t type_index, ValType single);

  const CodeContext& ctx_;
  const Module& m_;
  const Function& f_;
  uint32_t func_index_;
  BinaryReader r_;
  Vec<ValType> stack_;
  Vec<Frame> ctrl_;
  Vec<ValType> scratch_;
  const OpInfo* op_ = nullptr;  // the instruction being validated, for messages
  uint32_t op_offset_ = 0;
};

Result<void> FunctionValidator::push_frame(FrameKind kind, uint32_t type_index, ValType single) {
  Frame f{kind, type_index, single, static_cast<uint32_t>(stack_.size()), false};
  if (!ctrl_.push_back(f)) return fail(kOutOfMemory);
  return Ok();
}

// block / loop / if: the block type is empty, one result type or a type index.
Result<void> FunctionValidator::block_start(FrameKind kind, const Instruction& in) {
  uint32_t type_index = in.block_type_index;
  ValType single = in.type;
  if (type_index != kNoIndex && type_index >= m_.types.size()) return fail("unknown type");
  if (kind == FrameKind::If) CTM_TRY(expect(ValType::I32));
  Frame probe{kind, type_index, single, 0, false};
  for (uint32_t i = param_count(probe); i-- > 0;) CTM_TRY(expect(param(probe, i)));
  CTM_TRY(push_frame(kind, type_index, single));
  for (uint32_t i = 0; i < param_count(probe); ++i) CTM_TRY(push(param(probe, i)));
  return Ok();
}

Result<void> FunctionValidator::block_end() {
  Frame f = ctrl_.back();
  for (uint32_t i = result_count(f); i-- > 0;) CTM_TRY(expect(result(f, i)));
  if (stack_.size() != f.height) return mismatch(kUnknown, stack_.back());
  if (f.kind == FrameKind::If) {
    // No else: the missing branch passes the parameters through unchanged.
    bool same = param_count(f) == result_count(f);
    for (uint32_t i = 0; same && i < param_count(f); ++i) same = param(f, i) == result(f, i);
    if (!same) return mismatch(result_count(f) ? result(f, 0) : kUnknown, kUnknown);
  }
  ctrl_.pop_back();
  if (ctrl_.empty()) return Ok();  // the function's own end
  for (uint32_t i = 0; i < result_count(f); ++i) CTM_TRY(push(result(f, i)));
  return Ok();
}

Result<void> FunctionValidator::else_() {
  Frame& f = ctrl_.back();
  if (f.kind != FrameKind::If) return fail("END opcode expected");
  for (uint32_t i = result_count(f); i-- > 0;) CTM_TRY(expect(result(f, i)));
  if (stack_.size() != f.height) return mismatch(kUnknown, stack_.back());
  f.kind = FrameKind::Else;
  f.unreachable = false;
  for (uint32_t i = 0; i < param_count(f); ++i) CTM_TRY(push(param(f, i)));
  return Ok();
}

// br_table: every target must take as many values as the default one, and
// the operands must suit each target's label types.
Result<void> FunctionValidator::br_table(const Instruction& in) {
  // The default target comes last but is needed first: read it, then come
  // back for the others (the reader has already checked their encoding).
  size_t after = r_.pos();
  r_.seek(in.br_targets);
  uint32_t depth;
  for (uint32_t i = 0; i < in.br_count; ++i) CTM_TRY_ASSIGN(depth, r_.u32());
  uint32_t default_depth;
  CTM_TRY_ASSIGN(default_depth, r_.u32());
  CTM_TRY(expect(ValType::I32));
  const Frame* def;
  CTM_TRY_ASSIGN(def, label(default_depth));
  uint32_t arity = label_count(*def);

  r_.seek(in.br_targets);
  for (uint32_t i = 0; i < in.br_count; ++i) {
    CTM_TRY_ASSIGN(depth, r_.u32());
    const Frame* target;
    CTM_TRY_ASSIGN(target, label(depth));
    if (label_count(*target) != arity) return mismatch(kUnknown, kUnknown);
    // Check the operands against this target without consuming them.
    if (!scratch_.resize(arity)) return fail(kOutOfMemory);
    for (uint32_t k = arity; k-- > 0;) CTM_TRY_ASSIGN(scratch_[k], pop(label_type(*target, k)));
    for (uint32_t k = 0; k < arity; ++k) CTM_TRY(push(scratch_[k]));
  }
  r_.seek(after);
  CTM_TRY(pop_label(*def));
  set_unreachable();
  return Ok();
}

// Loads and stores: the alignment exponent must not promise more than the
// access size.
Result<void> FunctionValidator::mem_arg(const Instruction& in) {
  CTM_TRY(need_memory());
  uint32_t align = in.a;
  if (align >= 32 || (uint64_t(1) << align) > in.info->mem_bytes)
    return fail("alignment must not be larger than natural");
  return Ok();
}

// Operators whose whole signature is in opcodes.def: pop B, pop A, push R.
Result<void> FunctionValidator::simple(const Instruction& in) {
  const OpInfo& info = *in.info;
  if (info.imm == Imm::MemArg) CTM_TRY(mem_arg(in));
  if (info.b != ValType::None) CTM_TRY(expect(info.b));
  if (info.a != ValType::None) CTM_TRY(expect(info.a));
  if (info.r != ValType::None) CTM_TRY(push(info.r));
  return Ok();
}

Result<void> FunctionValidator::special(const Instruction& in) {
  const OpInfo& info = *in.info;
  switch (info.op) {
    case Op::Unreachable: set_unreachable(); return Ok();
    case Op::Nop: return Ok();
    case Op::Block: return block_start(FrameKind::Block, in);
    case Op::Loop: return block_start(FrameKind::Loop, in);
    case Op::If: return block_start(FrameKind::If, in);
    case Op::Else: return else_();
    case Op::End: return block_end();
    case Op::Br: {
      const Frame* target;
      CTM_TRY_ASSIGN(target, label(in.a));
      CTM_TRY(pop_label(*target));
      set_unreachable();
      return Ok();
    }
    case Op::BrIf: {
      const Frame* target;
      CTM_TRY_ASSIGN(target, label(in.a));
      CTM_TRY(expect(ValType::I32));
      CTM_TRY(pop_label(*target));
      return push_label(*target);
    }
    case Op::BrTable: return br_table(in);
    case Op::Return:
      CTM_TRY(pop_label(ctrl_[0]));
      set_unreachable();
      return Ok();
    case Op::Call: {
      uint32_t f = in.a;
      if (f >= m_.num_funcs()) return fail("unknown function");
      CTM_TRY(pop_params(m_.func_type(f)));
      return push_results(m_.func_type(f));
    }
    case Op::CallIndirect: {
      uint32_t type_index = in.a, table = in.b;
      CTM_TRY(need_table(table));
      if (type_index >= m_.types.size()) return fail("unknown type");
      if (m_.table_type(table).elem != ValType::FuncRef)
        return mismatch(ValType::FuncRef, m_.table_type(table).elem);
      CTM_TRY(expect(ValType::I32));
      CTM_TRY(pop_params(m_.types[type_index]));
      return push_results(m_.types[type_index]);
    }
    case Op::Drop: {
      auto p = pop_any();
      return p.ok() ? Ok() : Result<void>(p.error());
    }
    case Op::Select: {
      CTM_TRY(expect(ValType::I32));
      ValType t1, t2;
      CTM_TRY_ASSIGN(t1, pop_any());
      CTM_TRY_ASSIGN(t2, pop_any());
      // Without a type annotation only numeric operands are allowed.
      if (is_ref_type(t1)) return mismatch(ValType::I32, t1);
      if (is_ref_type(t2)) return mismatch(ValType::I32, t2);
      if (t1 != kUnknown && t2 != kUnknown && t1 != t2) return mismatch(t1, t2);
      return push(t1 == kUnknown ? t2 : t1);
    }
    case Op::SelectT: {
      ValType t = in.type;
      for (ValType want : {ValType::I32, t, t}) CTM_TRY(expect(want));
      return push(t);
    }
    case Op::LocalGet:
    case Op::LocalSet:
    case Op::LocalTee: {
      ValType t;
      CTM_TRY_ASSIGN(t, local_type(in.a));
      if (info.op != Op::LocalGet) CTM_TRY(expect(t));
      return info.op == Op::LocalSet ? Ok() : push(t);
    }
    case Op::GlobalGet:
    case Op::GlobalSet: {
      uint32_t g = in.a;
      if (g >= m_.num_globals()) return fail("unknown global");
      const GlobalType& t = m_.global_type(g);
      if (info.op == Op::GlobalGet) return push(t.type);
      if (!t.is_mutable) return fail("global is immutable");
      return expect(t.type);
    }
    case Op::TableGet:
    case Op::TableSet: {
      uint32_t t = in.a;
      CTM_TRY(need_table(t));
      ValType elem = m_.table_type(t).elem;
      if (info.op == Op::TableSet) CTM_TRY(expect(elem));
      CTM_TRY(expect(ValType::I32));
      return info.op == Op::TableGet ? push(elem) : Ok();
    }
    case Op::MemorySize:
    case Op::MemoryGrow: {
      CTM_TRY(need_memory());
      if (info.op == Op::MemoryGrow) CTM_TRY(expect(ValType::I32));
      return push(ValType::I32);
    }
    case Op::RefNull: return push(in.type);
    case Op::RefIsNull: {
      ValType t;
      CTM_TRY_ASSIGN(t, pop_any());
      if (t != kUnknown && !is_ref_type(t)) return mismatch(ValType::FuncRef, t);
      return push(ValType::I32);
    }
    case Op::RefFunc: {
      uint32_t f = in.a;
      if (f >= m_.num_funcs()) return fail("unknown function");
      if (!ctx_.declared_funcs[f]) return fail("undeclared function reference");
      return push(ValType::FuncRef);
    }
    default:
      return misc(in);
  }
}

// The hand-validated part of the 0xFC group: bulk memory and tables.
Result<void> FunctionValidator::misc(const Instruction& in) {
  const OpInfo& info = *in.info;
  // Pops three operands; `c` is on top of the stack.
  auto pop3 = [this](ValType a, ValType b, ValType c) -> Result<void> {
    for (ValType t : {c, b, a}) CTM_TRY(expect(t));
    return Ok();
  };
  constexpr ValType I32 = ValType::I32;
  switch (info.op) {
    case Op::MemoryInit: {
      CTM_TRY(need_memory());
      CTM_TRY(need_data_count(in.a));
      return pop3(I32, I32, I32);
    }
    case Op::DataDrop:
      return need_data_count(in.a);
    case Op::MemoryCopy:
      CTM_TRY(need_memory());
      return pop3(I32, I32, I32);
    case Op::MemoryFill:
      CTM_TRY(need_memory());
      return pop3(I32, I32, I32);
    case Op::TableInit: {
      uint32_t elem = in.a, table = in.b;
      CTM_TRY(need_table(table));
      if (elem >= m_.elems.size()) return fail("unknown elem segment");
      if (m_.elems[elem].type != m_.table_type(table).elem)
        return mismatch(m_.table_type(table).elem, m_.elems[elem].type);
      return pop3(I32, I32, I32);
    }
    case Op::ElemDrop: {
      uint32_t elem = in.a;
      if (elem >= m_.elems.size()) return fail("unknown elem segment");
      return Ok();
    }
    case Op::TableCopy: {
      uint32_t dst = in.a, src = in.b;
      CTM_TRY(need_table(dst));
      CTM_TRY(need_table(src));
      if (m_.table_type(dst).elem != m_.table_type(src).elem)
        return mismatch(m_.table_type(dst).elem, m_.table_type(src).elem);
      return pop3(I32, I32, I32);
    }
    case Op::TableGrow:
    case Op::TableSize:
    case Op::TableFill: {
      uint32_t t = in.a;
      CTM_TRY(need_table(t));
      ValType elem = m_.table_type(t).elem;
      if (info.op == Op::TableSize) return push(I32);
      if (info.op == Op::TableFill) return pop3(I32, elem, I32);  // index, value, count
      // table.grow: initial value, delta -> old size
      for (ValType operand : {I32, elem}) CTM_TRY(expect(operand));
      return push(I32);
    }
    default:
      return fail("illegal opcode");
  }
}

Result<void> FunctionValidator::run() {
  CTM_TRY(push_frame(FrameKind::Function, m_.func_type_index(func_index_), ValType::None));
  Instruction in;
  while (!ctrl_.empty()) {
    op_ = nullptr;
    op_offset_ = r_.offset();
    if (r_.at_end()) return fail("unexpected end of section or function");
    CTM_TRY(read_instruction(r_, in));
    op_ = in.info;
    CTM_TRY(in.info->special ? special(in) : simple(in));
  }
  if (!r_.at_end()) return Error::at("section size mismatch", r_.offset());
  return Ok();
}

}  // namespace

Result<void> validate_function(const CodeContext& ctx, uint32_t defined_index) {
  FunctionValidator v(ctx, defined_index);
  auto result = v.run();
  if (result.ok()) return Ok();
  // Errors from the binary reader do not know which function they are in.
  Error e = result.error();
  if (e.function == kNoIndex) e.function = ctx.module.num_imported_funcs + defined_index;
  return e;
}

}  // namespace continuum::engine
