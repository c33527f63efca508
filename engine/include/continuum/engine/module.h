// A decoded WebAssembly module: the sections of the binary as plain data.
// The Module owns a copy of the binary; names and code bodies are slices of it.
// A Module is immutable after decoding and may be instantiated many times.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "continuum/engine/allocator.h"
#include "continuum/engine/result.h"
#include "continuum/engine/types.h"
#include "continuum/engine/vec.h"

namespace continuum::engine {

// A slice of the module's own bytes.
struct ByteRange {
  uint32_t offset = 0;
  uint32_t size = 0;
};

struct FuncType {
  Vec<ValType> params;
  Vec<ValType> results;
};

// A constant expression (global initialisers, segment offsets, element items).
// WebAssembly 2.0 allows exactly one of these instructions followed by `end`.
struct ConstExpr {
  enum class Kind : uint8_t { I32, I64, F32, F64, RefNull, RefFunc, GlobalGet };
  Kind kind = Kind::I32;
  ValType type = ValType::I32;  // the type the expression produces
  uint64_t bits = 0;            // constant bits, or the function/global index
  uint32_t offset = 0;          // where it starts in the binary (for errors)
};

struct Import {
  ByteRange module;
  ByteRange name;
  ExternKind kind = ExternKind::Func;
  uint32_t func_type = 0;  // kind == Func: type index
  TableType table;         // kind == Table
  MemoryType memory;       // kind == Memory
  GlobalType global;       // kind == Global
};

struct Export {
  ByteRange name;
  ExternKind kind = ExternKind::Func;
  uint32_t index = 0;
};

struct Global {
  GlobalType type;
  ConstExpr init;
};

// A function defined in this module (imports are not listed here).
struct Function {
  uint32_t type_index = 0;
  // Locals beyond the parameters, expanded one entry per local.
  Vec<ValType> locals;
  ByteRange body;  // the instruction bytes, after the local declarations, up to and including the final `end`
  ByteRange code;  // the whole code-section entry (size prefix excluded), for tools
};

enum class SegmentMode : uint8_t { Active, Passive, Declarative };

struct ElemSegment {
  SegmentMode mode = SegmentMode::Passive;
  uint32_t table = 0;
  ConstExpr offset;            // Active only
  ValType type = ValType::FuncRef;
  Vec<ConstExpr> items;        // one expression per element (function indices become RefFunc)
};

struct DataSegment {
  SegmentMode mode = SegmentMode::Passive;
  uint32_t memory = 0;
  ConstExpr offset;  // Active only
  ByteRange bytes;
};

struct CustomSection {
  ByteRange name;
  ByteRange payload;
};

// Where each section sits, for `continuum inspect`.
struct SectionInfo {
  uint8_t id = 0;
  uint32_t offset = 0;  // first byte of the section header
  uint32_t size = 0;    // payload size
};

class Module {
 public:
  explicit Module(Allocator& a);
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  Allocator& allocator() const { return *alloc_; }

  // The module binary.
  const uint8_t* bytes() const { return bytes_.data(); }
  size_t size() const { return bytes_.size(); }
  // A name as (pointer, length); not NUL-terminated.
  const char* name_ptr(ByteRange r) const { return reinterpret_cast<const char*>(bytes_.data() + r.offset); }
  bool name_equals(ByteRange r, const char* s, size_t len) const;

  // Function index space: imported functions first, then defined ones.
  uint32_t num_funcs() const { return num_imported_funcs + static_cast<uint32_t>(functions.size()); }
  uint32_t num_tables() const { return num_imported_tables + static_cast<uint32_t>(tables.size()); }
  uint32_t num_memories() const { return num_imported_memories + static_cast<uint32_t>(memories.size()); }
  uint32_t num_globals() const { return num_imported_globals + static_cast<uint32_t>(globals.size()); }

  // Type index of function `func_index` in the whole index space.
  uint32_t func_type_index(uint32_t func_index) const { return func_types_[func_index]; }
  const FuncType& func_type(uint32_t func_index) const { return types[func_types_[func_index]]; }
  // Table/memory/global type by index in the whole index space.
  const TableType& table_type(uint32_t index) const { return all_tables_[index]; }
  const MemoryType& memory_type(uint32_t index) const { return all_memories_[index]; }
  const GlobalType& global_type(uint32_t index) const { return all_globals_[index]; }

  Vec<FuncType> types;
  Vec<Import> imports;
  Vec<Function> functions;   // defined functions only
  Vec<TableType> tables;     // defined tables only
  Vec<MemoryType> memories;  // defined memories only
  Vec<Global> globals;       // defined globals only
  Vec<Export> exports;
  Vec<ElemSegment> elems;
  Vec<DataSegment> datas;
  Vec<CustomSection> customs;
  Vec<SectionInfo> sections;
  uint32_t start = kNoIndex;       // start function, kNoIndex if none
  uint32_t data_count = kNoIndex;  // from the data count section, kNoIndex if absent
  uint32_t num_imported_funcs = 0;
  uint32_t num_imported_tables = 0;
  uint32_t num_imported_memories = 0;
  uint32_t num_imported_globals = 0;

  // --- used by the decoder ---
  Vec<uint8_t>& mutable_bytes() { return bytes_; }
  Vec<uint32_t>& mutable_func_types() { return func_types_; }
  Vec<TableType>& mutable_all_tables() { return all_tables_; }
  Vec<MemoryType>& mutable_all_memories() { return all_memories_; }
  Vec<GlobalType>& mutable_all_globals() { return all_globals_; }

 private:
  Allocator* alloc_;
  Vec<uint8_t> bytes_;
  Vec<uint32_t> func_types_;        // type index for every function, imports first
  Vec<TableType> all_tables_;       // imports first
  Vec<MemoryType> all_memories_;    // imports first
  Vec<GlobalType> all_globals_;     // imports first
};

// Streaming decoder: a module arriving over the air in pieces is fed chunk by
// chunk; sections are decoded as soon as they are complete, so a malformed
// module is refused before the rest of it has arrived.
class ModuleDecoder {
 public:
  explicit ModuleDecoder(Allocator& a);
  ~ModuleDecoder();
  ModuleDecoder(const ModuleDecoder&) = delete;
  ModuleDecoder& operator=(const ModuleDecoder&) = delete;

  // Adds the next chunk. After an error every later call returns that error.
  Result<void> feed(const uint8_t* data, size_t size);
  // Declares the end of the input, checks that the module is complete,
  // validates it, and hands it over. The decoder is spent afterwards.
  Result<Box<Module>> finish();

  size_t bytes_received() const;

 private:
  struct State;
  Allocator* alloc_;
  State* state_;
};

// Decodes and validates a whole module in one call.
Result<Box<Module>> decode_module(Allocator& a, const uint8_t* data, size_t size);

// Full validation (types, instruction sequences, indices, constant expressions).
// decode_module and ModuleDecoder::finish already call it.
Result<void> validate_module(const Module& m);

}  // namespace continuum::engine
