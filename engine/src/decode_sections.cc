// Section payload decoders. Each turns the bytes of one complete section into
// Module data; cross-section rules that need the whole module (index ranges,
// types of constant expressions, ...) are left to validate_module().
//
// Hostile input: a count read from the binary is never trusted for an
// allocation. Vectors grow as elements are actually decoded, and a reserve
// is capped by the bytes left (every element takes at least one byte).
#include "decode_sections.h"

#include "continuum/engine/opcodes.h"
#include "decode_instruction.h"

namespace continuum::engine {
namespace {

Error oom(const BinaryReader& r) { return r.error(kOutOfMemory); }

// Reserves room for `count` elements, but never more than the bytes left
// in the section could possibly encode.
template <class T>
bool reserve_capped(Vec<T>& v, uint32_t count, const BinaryReader& r) {
  size_t n = count < r.remaining() ? count : r.remaining();
  return v.reserve(v.size() + n);
}

Result<Limits> read_limits(BinaryReader& r) {
  uint32_t flag_offset = r.offset();
  uint8_t flags;
  CTM_TRY_ASSIGN(flags, r.u8());
  // The flags are a one-bit LEB128 number in the reference interpreter's view.
  if (flags & 0x80) return Error::at("integer representation too long", flag_offset);
  if (flags > 1) return Error::at("integer too large", flag_offset);
  Limits l;
  CTM_TRY_ASSIGN(l.min, r.u32());
  if (flags == 1) {
    l.has_max = true;
    CTM_TRY_ASSIGN(l.max, r.u32());
  }
  return l;
}

Result<TableType> read_table_type(BinaryReader& r) {
  TableType t;
  CTM_TRY_ASSIGN(t.elem, read_ref_type(r));
  CTM_TRY_ASSIGN(t.limits, read_limits(r));
  return t;
}

Result<GlobalType> read_global_type(BinaryReader& r) {
  GlobalType g;
  CTM_TRY_ASSIGN(g.type, read_value_type(r));
  uint32_t at = r.offset();
  uint8_t mut;
  CTM_TRY_ASSIGN(mut, r.u8());
  if (mut > 1) return Error::at("malformed mutability", at);
  g.is_mutable = mut == 1;
  return g;
}

// A constant expression: exactly one constant instruction and `end`.
// Anything else is reported the way the spec suite expects: a known but
// non-constant instruction is "constant expression required", no value or
// several values are a "type mismatch". The type of global.get is filled in
// when the global is already known; validate_module checks it either way.
Result<ConstExpr> read_const_expr(BinaryReader& r, Module& m) {
  ConstExpr e;
  e.offset = r.offset();
  e.type = ValType::None;
  int values = 0;
  Instruction in;
  for (;;) {
    CTM_TRY(read_instruction(r, in));
    if (in.info->op == Op::End) break;
    ++values;
    e.bits = in.bits;
    switch (in.info->op) {
      case Op::I32Const: e.kind = ConstExpr::Kind::I32; break;
      case Op::I64Const: e.kind = ConstExpr::Kind::I64; break;
      case Op::F32Const: e.kind = ConstExpr::Kind::F32; break;
      case Op::F64Const: e.kind = ConstExpr::Kind::F64; break;
      case Op::RefNull:
        e.kind = ConstExpr::Kind::RefNull;
        e.type = in.type;
        break;
      case Op::RefFunc:
        e.kind = ConstExpr::Kind::RefFunc;
        e.type = ValType::FuncRef;
        e.bits = in.a;
        break;
      case Op::GlobalGet: {
        e.kind = ConstExpr::Kind::GlobalGet;
        e.bits = in.a;
        Vec<GlobalType>& known = m.mutable_all_globals();
        e.type = in.a < known.size() ? known[in.a].type : ValType::None;
        break;
      }
      default:
        return Error::at("constant expression required", in.offset);
    }
    if (!in.info->special) e.type = in.info->r;  // the constants: their result type
  }
  if (values != 1) return Error::at("type mismatch", e.offset);
  return e;
}

Result<void> type_section(BinaryReader& r, Module& m) {
  uint32_t count;
  CTM_TRY_ASSIGN(count, r.u32());
  if (!reserve_capped(m.types, count, r)) return oom(r);
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t at = r.offset();
    uint8_t form;
    CTM_TRY_ASSIGN(form, r.u8());
    // The form is a one-byte signed LEB128 (-0x20 = func).
    if (form & 0x80) return Error::at("integer representation too long", at);
    if (form != 0x60) return Error::at("malformed function type", at);
    FuncType ft{Vec<ValType>(&m.allocator()), Vec<ValType>(&m.allocator())};
    for (Vec<ValType>* list : {&ft.params, &ft.results}) {
      uint32_t n;
      CTM_TRY_ASSIGN(n, r.u32());
      if (!reserve_capped(*list, n, r)) return oom(r);
      for (uint32_t k = 0; k < n; ++k) {
        ValType t;
        CTM_TRY_ASSIGN(t, read_value_type(r));
        if (!list->push_back(t)) return oom(r);
      }
    }
    if (!m.types.push_back(static_cast<FuncType&&>(ft))) return oom(r);
  }
  return Ok();
}

Result<void> import_section(BinaryReader& r, Module& m) {
  uint32_t count;
  CTM_TRY_ASSIGN(count, r.u32());
  if (!reserve_capped(m.imports, count, r)) return oom(r);
  for (uint32_t i = 0; i < count; ++i) {
    Import imp;
    CTM_TRY_ASSIGN(imp.module, read_name(r));
    CTM_TRY_ASSIGN(imp.name, read_name(r));
    uint32_t at = r.offset();
    uint8_t kind;
    CTM_TRY_ASSIGN(kind, r.u8());
    bool ok = true;
    switch (kind) {
      case 0:
        imp.kind = ExternKind::Func;
        CTM_TRY_ASSIGN(imp.func_type, r.u32());
        ok = m.mutable_func_types().push_back(imp.func_type);
        ++m.num_imported_funcs;
        break;
      case 1:
        imp.kind = ExternKind::Table;
        CTM_TRY_ASSIGN(imp.table, read_table_type(r));
        ok = m.mutable_all_tables().push_back(imp.table);
        ++m.num_imported_tables;
        break;
      case 2:
        imp.kind = ExternKind::Memory;
        CTM_TRY_ASSIGN(imp.memory.limits, read_limits(r));
        ok = m.mutable_all_memories().push_back(imp.memory);
        ++m.num_imported_memories;
        break;
      case 3:
        imp.kind = ExternKind::Global;
        CTM_TRY_ASSIGN(imp.global, read_global_type(r));
        ok = m.mutable_all_globals().push_back(imp.global);
        ++m.num_imported_globals;
        break;
      default:
        return Error::at("malformed import kind", at);
    }
    if (!ok || !m.imports.push_back(imp)) return oom(r);
  }
  return Ok();
}

Result<void> function_section(BinaryReader& r, Module& m) {
  uint32_t count;
  CTM_TRY_ASSIGN(count, r.u32());
  if (!reserve_capped(m.functions, count, r)) return oom(r);
  for (uint32_t i = 0; i < count; ++i) {
    Function f;
    f.locals.set_allocator(&m.allocator());
    CTM_TRY_ASSIGN(f.type_index, r.u32());
    if (!m.mutable_func_types().push_back(f.type_index)) return oom(r);
    if (!m.functions.push_back(static_cast<Function&&>(f))) return oom(r);
  }
  return Ok();
}

Result<void> table_section(BinaryReader& r, Module& m) {
  uint32_t count;
  CTM_TRY_ASSIGN(count, r.u32());
  if (!reserve_capped(m.tables, count, r)) return oom(r);
  for (uint32_t i = 0; i < count; ++i) {
    TableType t;
    CTM_TRY_ASSIGN(t, read_table_type(r));
    if (!m.tables.push_back(t) || !m.mutable_all_tables().push_back(t)) return oom(r);
  }
  return Ok();
}

Result<void> memory_section(BinaryReader& r, Module& m) {
  uint32_t count;
  CTM_TRY_ASSIGN(count, r.u32());
  if (!reserve_capped(m.memories, count, r)) return oom(r);
  for (uint32_t i = 0; i < count; ++i) {
    MemoryType t;
    CTM_TRY_ASSIGN(t.limits, read_limits(r));
    if (!m.memories.push_back(t) || !m.mutable_all_memories().push_back(t)) return oom(r);
  }
  return Ok();
}

Result<void> global_section(BinaryReader& r, Module& m) {
  uint32_t count;
  CTM_TRY_ASSIGN(count, r.u32());
  if (!reserve_capped(m.globals, count, r)) return oom(r);
  for (uint32_t i = 0; i < count; ++i) {
    Global g;
    CTM_TRY_ASSIGN(g.type, read_global_type(r));
    CTM_TRY_ASSIGN(g.init, read_const_expr(r, m));
    if (!m.globals.push_back(g) || !m.mutable_all_globals().push_back(g.type)) return oom(r);
  }
  return Ok();
}

Result<void> export_section(BinaryReader& r, Module& m) {
  uint32_t count;
  CTM_TRY_ASSIGN(count, r.u32());
  if (!reserve_capped(m.exports, count, r)) return oom(r);
  for (uint32_t i = 0; i < count; ++i) {
    Export e;
    CTM_TRY_ASSIGN(e.name, read_name(r));
    uint32_t at = r.offset();
    uint8_t kind;
    CTM_TRY_ASSIGN(kind, r.u8());
    if (kind > 3) return Error::at("malformed export kind", at);
    e.kind = static_cast<ExternKind>(kind);
    CTM_TRY_ASSIGN(e.index, r.u32());
    if (!m.exports.push_back(e)) return oom(r);
  }
  return Ok();
}

Result<void> start_section(BinaryReader& r, Module& m) {
  CTM_TRY_ASSIGN(m.start, r.u32());
  return Ok();
}

// Element segments have eight encodings, selected by a flags field:
//   bit 0: passive or declarative (else active)
//   bit 1: active with explicit table index / declarative (with bit 0)
//   bit 2: items are expressions with a reference type (else function
//          indices with an element kind byte)
Result<void> element_section(BinaryReader& r, Module& m) {
  uint32_t count;
  CTM_TRY_ASSIGN(count, r.u32());
  if (!reserve_capped(m.elems, count, r)) return oom(r);
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t flags_at = r.offset();
    uint32_t flags;
    CTM_TRY_ASSIGN(flags, r.u32());
    if (flags > 7) return Error::at("malformed elements segment kind", flags_at);
    bool passive_or_declarative = flags & 1;
    bool explicit_table_or_declarative = flags & 2;
    bool expressions = flags & 4;

    ElemSegment seg;
    seg.items.set_allocator(&m.allocator());
    if (!passive_or_declarative) {
      seg.mode = SegmentMode::Active;
      if (explicit_table_or_declarative) CTM_TRY_ASSIGN(seg.table, r.u32());
      CTM_TRY_ASSIGN(seg.offset, read_const_expr(r, m));
    } else {
      seg.mode = explicit_table_or_declarative ? SegmentMode::Declarative : SegmentMode::Passive;
    }
    // Encodings 0 and 4 imply funcref; the others spell out the type.
    if (flags != 0 && flags != 4) {
      if (expressions) {
        CTM_TRY_ASSIGN(seg.type, read_ref_type(r));
      } else {
        uint32_t at = r.offset();
        uint8_t elem_kind;
        CTM_TRY_ASSIGN(elem_kind, r.u8());
        if (elem_kind != 0x00) return Error::at("malformed element kind", at);
        seg.type = ValType::FuncRef;
      }
    }
    uint32_t n;
    CTM_TRY_ASSIGN(n, r.u32());
    if (!reserve_capped(seg.items, n, r)) return oom(r);
    for (uint32_t k = 0; k < n; ++k) {
      ConstExpr item;
      if (expressions) {
        CTM_TRY_ASSIGN(item, read_const_expr(r, m));
      } else {
        item.offset = r.offset();
        item.kind = ConstExpr::Kind::RefFunc;
        item.type = ValType::FuncRef;
        uint32_t f;
        CTM_TRY_ASSIGN(f, r.u32());
        item.bits = f;
      }
      if (!seg.items.push_back(item)) return oom(r);
    }
    if (!m.elems.push_back(static_cast<ElemSegment&&>(seg))) return oom(r);
  }
  return Ok();
}

Result<void> data_count_section(BinaryReader& r, Module& m) {
  CTM_TRY_ASSIGN(m.data_count, r.u32());
  return Ok();
}

// One code-section entry: local declarations, expanded, then the body.
Result<void> code_entry(BinaryReader& r, Module& m, Function& f) {
  uint32_t size;
  CTM_TRY_ASSIGN(size, r.u32());
  uint32_t start = r.offset();
  if (size > r.remaining()) return r.error("unexpected end of section or function");
  size_t entry_pos = r.pos();
  r.seek(entry_pos + size);
  BinaryReader entry(r.cursor() - size, size, start);
  f.code = ByteRange{start, size};

  uint64_t total = f.type_index < m.types.size() ? m.types[f.type_index].params.size() : 0;
  uint32_t groups;
  CTM_TRY_ASSIGN(groups, entry.u32());
  for (uint32_t g = 0; g < groups; ++g) {
    uint32_t at = entry.offset();
    uint32_t n;
    CTM_TRY_ASSIGN(n, entry.u32());
    ValType t;
    CTM_TRY_ASSIGN(t, read_value_type(entry));
    total += n;
    if (total > kMaxLocals) return Error::at("too many locals", at);
    if (!f.locals.reserve(f.locals.size() + n)) return oom(entry);
    for (uint32_t k = 0; k < n; ++k) (void)f.locals.push_back(t);  // reserved above
  }
  f.body = ByteRange{entry.offset(), static_cast<uint32_t>(entry.remaining())};
  // Malformed instructions are refused now, before the sections after the
  // code have arrived; typing the body is left to the validator.
  return scan_function_body(entry);
}

Result<void> code_section(BinaryReader& r, Module& m) {
  uint32_t at = r.offset();
  uint32_t count;
  CTM_TRY_ASSIGN(count, r.u32());
  if (count != m.functions.size())
    return Error::at("function and code section have inconsistent lengths", at);
  for (uint32_t i = 0; i < count; ++i) {
    auto entry = code_entry(r, m, m.functions[i]);
    if (!entry.ok()) {
      Error e = entry.error();
      e.function = m.num_imported_funcs + i;
      return e;
    }
  }
  return Ok();
}

Result<void> data_section(BinaryReader& r, Module& m) {
  uint32_t at = r.offset();
  uint32_t count;
  CTM_TRY_ASSIGN(count, r.u32());
  if (m.data_count != kNoIndex && count != m.data_count)
    return Error::at("data count and data section have inconsistent lengths", at);
  if (!reserve_capped(m.datas, count, r)) return oom(r);
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t flags_at = r.offset();
    uint32_t flags;
    CTM_TRY_ASSIGN(flags, r.u32());
    DataSegment d;
    switch (flags) {
      case 0:
        d.mode = SegmentMode::Active;
        CTM_TRY_ASSIGN(d.offset, read_const_expr(r, m));
        break;
      case 1:
        d.mode = SegmentMode::Passive;
        break;
      case 2:
        d.mode = SegmentMode::Active;
        CTM_TRY_ASSIGN(d.memory, r.u32());
        CTM_TRY_ASSIGN(d.offset, read_const_expr(r, m));
        break;
      default:
        return Error::at("malformed data segment kind", flags_at);
    }
    uint32_t len;
    CTM_TRY_ASSIGN(len, r.u32());
    d.bytes.offset = r.offset();
    d.bytes.size = len;
    if (len > r.remaining()) return r.error("unexpected end of section or function");
    CTM_TRY(r.skip(len));
    if (!m.datas.push_back(d)) return oom(r);
  }
  return Ok();
}

}  // namespace

Result<ValType> read_value_type(BinaryReader& r) {
  uint32_t at = r.offset();
  uint8_t b;
  CTM_TRY_ASSIGN(b, r.u8());
  switch (static_cast<ValType>(b)) {
    case ValType::I32:
    case ValType::I64:
    case ValType::F32:
    case ValType::F64:
    case ValType::FuncRef:
    case ValType::ExternRef:
      return static_cast<ValType>(b);
    case ValType::V128:
      return Error::at(kSimdNotSupported, at);
    case ValType::None:
      break;
  }
  return Error::at("malformed value type", at);
}

Result<ValType> read_ref_type(BinaryReader& r) {
  uint32_t at = r.offset();
  uint8_t b;
  CTM_TRY_ASSIGN(b, r.u8());
  if (b == static_cast<uint8_t>(ValType::FuncRef)) return ValType::FuncRef;
  if (b == static_cast<uint8_t>(ValType::ExternRef)) return ValType::ExternRef;
  return Error::at("malformed reference type", at);
}

bool is_valid_utf8(const uint8_t* p, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp, min;
    if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return false;  // stray continuation byte or 0xF8..0xFF
    }
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if (cp < min) return false;                      // overlong
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;  // surrogate
    if (cp > 0x10FFFF) return false;
    i += len;
  }
  return true;
}

Result<ByteRange> read_name(BinaryReader& r) {
  uint32_t len;
  CTM_TRY_ASSIGN(len, r.u32());
  if (len > r.remaining()) return r.error("unexpected end of section or function");
  ByteRange range{r.offset(), len};
  if (!is_valid_utf8(r.cursor(), len)) return r.error("malformed UTF-8 encoding");
  CTM_TRY(r.skip(len));
  return range;
}

Result<void> decode_custom_section(BinaryReader& r, Module& m) {
  CustomSection c;
  CTM_TRY_ASSIGN(c.name, read_name(r));
  c.payload = ByteRange{r.offset(), static_cast<uint32_t>(r.remaining())};
  CTM_TRY(r.skip(r.remaining()));
  if (!m.customs.push_back(c)) return oom(r);
  return Ok();
}

Result<void> decode_section(SectionId id, BinaryReader& r, Module& m) {
  switch (id) {
    case SectionId::Type: return type_section(r, m);
    case SectionId::Import: return import_section(r, m);
    case SectionId::Function: return function_section(r, m);
    case SectionId::Table: return table_section(r, m);
    case SectionId::Memory: return memory_section(r, m);
    case SectionId::Global: return global_section(r, m);
    case SectionId::Export: return export_section(r, m);
    case SectionId::Start: return start_section(r, m);
    case SectionId::Element: return element_section(r, m);
    case SectionId::Code: return code_section(r, m);
    case SectionId::Data: return data_section(r, m);
    case SectionId::DataCount: return data_count_section(r, m);
    case SectionId::Custom: return decode_custom_section(r, m);
  }
  return r.error("malformed section id");
}

}  // namespace continuum::engine
