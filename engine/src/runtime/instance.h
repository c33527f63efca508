// The one Instance implementation: a module's index spaces resolved to store
// objects, plus the instance's own copies of its element and data segments
// (which elem.drop / data.drop empty). Execution tiers read it directly.
#pragma once

#include <stdint.h>

#include "continuum/engine/runtime.h"
#include "runtime/store_objects.h"

namespace continuum::engine {

struct ElemInstance {
  Vec<uint64_t> refs;  // resolved references; emptied by elem.drop
};

struct DataInstance {
  const uint8_t* bytes = nullptr;  // slice of the module binary
  uint32_t size = 0;               // 0 after data.drop
};

class RuntimeInstance final : public Instance {
 public:
  RuntimeInstance(const Module& m, Store& s)
      : funcs(&s.allocator()), tables(&s.allocator()), memories(&s.allocator()),
        globals(&s.allocator()), type_ids(&s.allocator()), elems(&s.allocator()),
        datas(&s.allocator()), module_(&m), store_(&s) {}

  const Module& module() const override { return *module_; }
  Store& store() const override { return *store_; }
  ExternVal find_export(const char* name, size_t len) const override;
  MemoryInstance* memory() const override { return memories.empty() ? nullptr : memories[0]; }

  Vec<FuncInstance*> funcs;  // the whole function index space, imports first
  Vec<TableInstance*> tables;
  Vec<MemoryInstance*> memories;
  Vec<GlobalInstance*> globals;
  Vec<const InternedType*> type_ids;  // module type index -> store type
  Vec<ElemInstance> elems;
  Vec<DataInstance> datas;
  MemoryInstance* memory0 = nullptr;  // memories[0] or nullptr, for the interpreter's fast path

 private:
  const Module* module_;
  Store* store_;
};

// Instances are only ever RuntimeInstances (there is no RTTI to check with).
inline RuntimeInstance* runtime_instance(Instance* i) { return static_cast<RuntimeInstance*>(i); }

}  // namespace continuum::engine
