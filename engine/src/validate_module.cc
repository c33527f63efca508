// Module-level validation: index spaces, limits, constant expressions,
// exports, the start function and segments. Function bodies are checked by
// validate_function() (validate_code.cc).
#include <algorithm>
#include <string.h>

#include "continuum/engine/module.h"
#include "decode_sections.h"
#include "validate_code.h"

namespace continuum::engine {
namespace {

Error type_error(uint32_t offset, ValType expected, ValType actual) {
  Error e = Error::at("type mismatch", offset);
  e.expected = expected;
  e.actual = actual;
  return e;
}

Result<void> check_type_index(const Module& m, uint32_t index, uint32_t offset) {
  if (index >= m.types.size()) return Error::at("unknown type", offset);
  return Ok();
}

// Declarations do not keep their own offsets; errors about them point at
// the start of the section that holds them.
uint32_t section_offset(const Module& m, SectionId id) {
  for (const SectionInfo& s : m.sections)
    if (s.id == static_cast<uint8_t>(id)) return s.offset;
  return kNoIndex;
}

Result<void> check_limits(const Limits& l, uint32_t offset) {
  if (l.has_max && l.min > l.max) return Error::at("size minimum must not be greater than maximum", offset);
  return Ok();
}

// Table sizes are u32 in the binary, so only memories have a further bound.
Result<void> check_memory(const MemoryType& t, uint32_t offset) {
  if (t.limits.min > kMaxPages || (t.limits.has_max && t.limits.max > kMaxPages))
    return Error::at("memory size must be at most 65536 pages (4GiB)", offset);
  return check_limits(t.limits, offset);
}

// A constant expression must produce `expected`. Globals it reads must be
// immutable imports (WebAssembly 2.0 validates every constant expression in
// a context holding only the imported globals).
Result<void> check_const_expr(const Module& m, const ConstExpr& e, ValType expected) {
  ValType actual = e.type;
  switch (e.kind) {
    case ConstExpr::Kind::GlobalGet:
      if (e.bits >= m.num_imported_globals) return Error::at("unknown global", e.offset);
      if (m.global_type(static_cast<uint32_t>(e.bits)).is_mutable)
        return Error::at("constant expression required", e.offset);
      actual = m.global_type(static_cast<uint32_t>(e.bits)).type;
      break;
    case ConstExpr::Kind::RefFunc:
      if (e.bits >= m.num_funcs()) return Error::at("unknown function", e.offset);
      break;
    default:
      break;
  }
  if (actual != expected) return type_error(e.offset, expected, actual);
  return Ok();
}

Result<void> check_export_index(const Module& m, const Export& e) {
  switch (e.kind) {
    case ExternKind::Func:
      if (e.index >= m.num_funcs()) return Error::at("unknown function", e.name.offset);
      break;
    case ExternKind::Table:
      if (e.index >= m.num_tables()) return Error::at("unknown table", e.name.offset);
      break;
    case ExternKind::Memory:
      if (e.index >= m.num_memories()) return Error::at("unknown memory", e.name.offset);
      break;
    case ExternKind::Global:
      if (e.index >= m.num_globals()) return Error::at("unknown global", e.name.offset);
      break;
  }
  return Ok();
}

// Export names must be unique. Sorting indices by name keeps this
// O(n log n) for modules with very many exports.
Result<void> check_export_names(const Module& m) {
  Vec<uint32_t> order(&m.allocator());
  if (!order.reserve(m.exports.size())) return Error::at(kOutOfMemory, kNoIndex);
  for (uint32_t i = 0; i < m.exports.size(); ++i) (void)order.push_back(i);
  auto compare = [&m](uint32_t a, uint32_t b) {
    ByteRange x = m.exports[a].name, y = m.exports[b].name;
    size_t n = x.size < y.size ? x.size : y.size;
    int c = n ? memcmp(m.bytes() + x.offset, m.bytes() + y.offset, n) : 0;
    if (c != 0) return c < 0;
    if (x.size != y.size) return x.size < y.size;
    return a < b;
  };
  std::sort(order.begin(), order.end(), compare);
  for (size_t i = 1; i < order.size(); ++i) {
    const Export& prev = m.exports[order[i - 1]];
    const Export& cur = m.exports[order[i]];
    if (m.name_equals(cur.name, m.name_ptr(prev.name), prev.name.size)) {
      const Export& later = order[i] > order[i - 1] ? cur : prev;
      return Error::at("duplicate export name", later.name.offset);
    }
  }
  return Ok();
}

// C.refs: functions that ref.func may name inside function bodies.
Result<void> collect_declared_funcs(const Module& m, Vec<uint8_t>& declared) {
  if (!declared.resize(m.num_funcs())) return Error::at(kOutOfMemory, kNoIndex);
  auto mark = [&](const ConstExpr& e) {
    if (e.kind == ConstExpr::Kind::RefFunc && e.bits < declared.size()) declared[e.bits] = 1;
  };
  for (const Global& g : m.globals) mark(g.init);
  for (const ElemSegment& s : m.elems)
    for (const ConstExpr& item : s.items) mark(item);
  for (const Export& e : m.exports)
    if (e.kind == ExternKind::Func && e.index < declared.size()) declared[e.index] = 1;
  return Ok();
}

Result<void> check_imports_and_declarations(const Module& m) {
  for (const Import& imp : m.imports) {
    switch (imp.kind) {
      case ExternKind::Func: CTM_TRY(check_type_index(m, imp.func_type, imp.name.offset)); break;
      case ExternKind::Table: CTM_TRY(check_limits(imp.table.limits, imp.name.offset)); break;
      case ExternKind::Memory: CTM_TRY(check_memory(imp.memory, imp.name.offset)); break;
      case ExternKind::Global: break;
    }
  }
  for (const Function& f : m.functions) CTM_TRY(check_type_index(m, f.type_index, f.code.offset));
  uint32_t tables_at = section_offset(m, SectionId::Table);
  for (const TableType& t : m.tables) CTM_TRY(check_limits(t.limits, tables_at));
  uint32_t memories_at = section_offset(m, SectionId::Memory);
  if (m.num_memories() > 1) return Error::at("multiple memories", memories_at);
  for (const MemoryType& t : m.memories) CTM_TRY(check_memory(t, memories_at));
  for (const Global& g : m.globals)
    CTM_TRY(check_const_expr(m, g.init, g.type.type));
  return Ok();
}

Result<void> check_exports_and_start(const Module& m) {
  for (const Export& e : m.exports) CTM_TRY(check_export_index(m, e));
  CTM_TRY(check_export_names(m));
  if (m.start != kNoIndex) {
    uint32_t at = section_offset(m, SectionId::Start);
    if (m.start >= m.num_funcs()) return Error::at("unknown function", at);
    const FuncType& t = m.func_type(m.start);
    if (!t.params.empty() || !t.results.empty()) return Error::at("start function", at);
  }
  return Ok();
}

Result<void> check_segments(const Module& m) {
  for (const ElemSegment& s : m.elems) {
    if (s.mode == SegmentMode::Active) {
      if (s.table >= m.num_tables()) return Error::at("unknown table", s.offset.offset);
      CTM_TRY(check_const_expr(m, s.offset, ValType::I32));
      ValType table_elem = m.table_type(s.table).elem;
      if (table_elem != s.type) return type_error(s.offset.offset, table_elem, s.type);
    }
    for (const ConstExpr& item : s.items) CTM_TRY(check_const_expr(m, item, s.type));
  }
  for (const DataSegment& d : m.datas) {
    if (d.mode != SegmentMode::Active) continue;
    if (d.memory >= m.num_memories()) return Error::at("unknown memory", d.offset.offset);
    CTM_TRY(check_const_expr(m, d.offset, ValType::I32));
  }
  return Ok();
}

}  // namespace

Result<void> validate_module(const Module& m) {
  CTM_TRY(check_imports_and_declarations(m));
  CTM_TRY(check_exports_and_start(m));
  CTM_TRY(check_segments(m));

  Vec<uint8_t> declared(&m.allocator());
  CTM_TRY(collect_declared_funcs(m, declared));
  CodeContext ctx{m, declared};
  for (uint32_t i = 0; i < m.functions.size(); ++i) CTM_TRY(validate_function(ctx, i));
  return Ok();
}

}  // namespace continuum::engine
