// The layout of store objects (functions, memories, tables, globals) and of
// the store's private state. Public headers only forward-declare these; the
// runtime and the execution tiers share this view.
#pragma once

#include <stdint.h>

#include "continuum/engine/runtime.h"

namespace continuum::engine {

class RuntimeInstance;
namespace interp {
struct CompiledFunc;
}

// A function type interned in the store: two functions have the same type
// exactly when their `id`s are equal, so call_indirect checks one integer
// even across modules.
struct InternedType {
  uint32_t id = 0;
  Vec<ValType> params;
  Vec<ValType> results;
};

struct FuncInstance {
  const InternedType* type = nullptr;
  uint32_t type_id = 0;                 // == type->id, kept here for the hot path
  RuntimeInstance* instance = nullptr;  // defining instance; nullptr for host functions
  uint32_t index = kNoIndex;            // index in the defining module's function space
  HostFunc host = nullptr;              // set for host functions
  void* user = nullptr;
  const char* debug_name = nullptr;
  interp::CompiledFunc* code = nullptr;  // interpreter code, owned by this object
};

struct MemoryInstance {
  uint8_t* data = nullptr;  // nullptr while the memory has zero bytes
  uint64_t size = 0;        // bytes, a multiple of kPageSize
  uint64_t max_pages = 0;   // the smaller of the declared maximum and the engine limit
  MemoryType type;
  Allocator* alloc = nullptr;
};

struct TableInstance {
  Vec<uint64_t> elems;  // references, 0 = null; a funcref is a FuncInstance*
  uint64_t max = 0;     // the smaller of the declared maximum and the engine limit
  TableType type;
};

struct GlobalInstance {
  uint64_t bits = 0;
  GlobalType type;
};

struct Store::Impl {
  Allocator* alloc = nullptr;
  const EngineConfig* config = nullptr;
  Vec<InternedType*> types;
  Vec<FuncInstance*> funcs;
  Vec<TableInstance*> tables;
  Vec<MemoryInstance*> memories;
  Vec<GlobalInstance*> globals;
  Vec<RuntimeInstance*> instances;

  explicit Impl(Allocator* a)
      : alloc(a), types(a), funcs(a), tables(a), memories(a), globals(a), instances(a) {}

  // Returns the store-wide type for (params) -> (results), creating it on first use.
  Result<const InternedType*> intern(const ValType* params, uint32_t num_params,
                                     const ValType* results, uint32_t num_results);

  Result<FuncInstance*> new_func();
  Result<TableInstance*> new_table(const TableType& type, uint64_t init_ref);
  Result<MemoryInstance*> new_memory(const MemoryType& type);
  Result<GlobalInstance*> new_global(const GlobalType& type, uint64_t bits);
};

// Table and memory operations shared by instantiation and the interpreter.
// Each returns false when the range is out of bounds (nothing is changed then).
bool table_init(TableInstance* t, uint64_t dst, const uint64_t* src, uint64_t src_size,
                uint64_t src_offset, uint64_t n);
bool memory_init(MemoryInstance* m, uint64_t dst, const uint8_t* src, uint64_t src_size,
                 uint64_t src_offset, uint64_t n);
// Grows by delta elements filled with init; returns the old size or -1.
int64_t table_grow(TableInstance* t, uint64_t delta, uint64_t init);

}  // namespace continuum::engine
