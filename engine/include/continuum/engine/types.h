// WebAssembly value, reference and extern types, as encoded in the binary format.
#pragma once

#include <stdint.h>

namespace continuum::engine {

enum class ValType : uint8_t {
  None = 0x00,  // "no type": the empty block type, or an unknown (polymorphic) operand
  I32 = 0x7F,
  I64 = 0x7E,
  F32 = 0x7D,
  F64 = 0x7C,
  V128 = 0x7B,  // recognised only to reject it: "SIMD is not supported"
  FuncRef = 0x70,
  ExternRef = 0x6F,
};

inline bool is_num_type(ValType t) {
  return t == ValType::I32 || t == ValType::I64 || t == ValType::F32 || t == ValType::F64;
}
inline bool is_ref_type(ValType t) { return t == ValType::FuncRef || t == ValType::ExternRef; }

// "i32", "funcref", ... ; "?" for None.
const char* val_type_name(ValType t);

enum class ExternKind : uint8_t { Func = 0, Table = 1, Memory = 2, Global = 3 };

const char* extern_kind_name(ExternKind k);

struct Limits {
  uint64_t min = 0;
  uint64_t max = 0;
  bool has_max = false;
};

struct TableType {
  ValType elem = ValType::FuncRef;
  Limits limits;
};

struct MemoryType {
  Limits limits;  // in 64 KiB pages
};

struct GlobalType {
  ValType type = ValType::I32;
  bool is_mutable = false;
};

inline constexpr uint32_t kPageSize = 65536;
inline constexpr uint32_t kMaxPages = 65536;  // 4 GiB, the wasm32 limit

}  // namespace continuum::engine
