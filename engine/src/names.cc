// Human-readable names and messages: value types, extern kinds, traps, errors.
#include <stdarg.h>
#include <stdio.h>

#include "continuum/engine/result.h"
#include "continuum/engine/trap.h"
#include "continuum/engine/types.h"

namespace continuum::engine {

const char* val_type_name(ValType t) {
  switch (t) {
    case ValType::I32: return "i32";
    case ValType::I64: return "i64";
    case ValType::F32: return "f32";
    case ValType::F64: return "f64";
    case ValType::V128: return "v128";
    case ValType::FuncRef: return "funcref";
    case ValType::ExternRef: return "externref";
    case ValType::None: break;
  }
  return "nothing";
}

const char* extern_kind_name(ExternKind k) {
  switch (k) {
    case ExternKind::Func: return "function";
    case ExternKind::Table: return "table";
    case ExternKind::Memory: return "memory";
    case ExternKind::Global: return "global";
  }
  return "?";
}

const char* trap_message(TrapKind kind) {
  switch (kind) {
#define CTM_TRAP_CASE(ident, text) \
  case TrapKind::ident:            \
    return text;
    CTM_TRAP_KINDS(CTM_TRAP_CASE)
#undef CTM_TRAP_CASE
  }
  return "trap";
}

namespace {

// Appends to a fixed buffer, tracking the length the full text needs.
struct Writer {
  char* buf;
  size_t cap;
  size_t len = 0;
  void put(const char* fmt, ...) __attribute__((format(printf, 2, 3))) {
    va_list ap;
    va_start(ap, fmt);
    size_t room = len < cap ? cap - len : 0;
    int n = vsnprintf(room ? buf + len : nullptr, room, fmt, ap);
    va_end(ap);
    if (n > 0) len += static_cast<size_t>(n);
  }
  void place(uint32_t function, uint32_t offset) {
    if (function != kNoIndex && offset != kNoIndex) put(" (function %u, offset 0x%x)", unsigned(function), unsigned(offset));
    else if (function != kNoIndex) put(" (function %u)", unsigned(function));
    else if (offset != kNoIndex) put(" (offset 0x%x)", unsigned(offset));
  }
};

}  // namespace

size_t format_error(const Error& e, char* buf, size_t n) {
  Writer w{buf, n};
  if (n) buf[0] = 0;
  w.put("%s", e.message ? e.message : "error");
  if (e.context) w.put(" in %s", e.context);
  if (e.expected != ValType::None || e.actual != ValType::None)
    w.put(": expected %s, got %s", val_type_name(e.expected), val_type_name(e.actual));
  w.place(e.function, e.offset);
  return w.len;
}

size_t format_trap(const Trap& t, char* buf, size_t n) {
  Writer w{buf, n};
  if (n) buf[0] = 0;
  if (t.kind == TrapKind::Host && t.message) w.put("%s", t.message);
  else if (t.kind == TrapKind::Exit) w.put("exit with code %d", int(t.exit_code));
  else w.put("%s", trap_message(t.kind));
  w.place(t.function, t.offset);
  return w.len;
}

}  // namespace continuum::engine
