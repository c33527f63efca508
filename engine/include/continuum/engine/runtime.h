// The runtime API: a Store owns everything instances create; a Linker names
// what imports resolve to; an Instance is a module brought to life by one
// execution tier (the interpreter today, an ahead-of-time tier later, both
// behind the same interface); an Execution runs calls with a fuel budget.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "continuum/engine/allocator.h"
#include "continuum/engine/module.h"
#include "continuum/engine/result.h"
#include "continuum/engine/trap.h"
#include "continuum/engine/types.h"
#include "continuum/engine/vec.h"

namespace continuum::engine {

class Store;
class Instance;
struct FuncInstance;
struct TableInstance;
struct MemoryInstance;
struct GlobalInstance;

// A typed value at the API boundary. References are opaque 64-bit values,
// 0 meaning null (a funcref is a FuncInstance*).
struct Value {
  ValType type = ValType::I32;
  uint64_t bits = 0;

  static Value i32(int32_t v) { return {ValType::I32, static_cast<uint32_t>(v)}; }
  static Value i64(int64_t v) { return {ValType::I64, static_cast<uint64_t>(v)}; }
  static Value f32(float v);
  static Value f64(double v);
  static Value f32_bits(uint32_t b) { return {ValType::F32, b}; }
  static Value f64_bits(uint64_t b) { return {ValType::F64, b}; }
  static Value ref(ValType t, uint64_t r) { return {t, r}; }

  int32_t as_i32() const { return static_cast<int32_t>(static_cast<uint32_t>(bits)); }
  int64_t as_i64() const { return static_cast<int64_t>(bits); }
  float as_f32() const;
  double as_f64() const;
};

struct EngineConfig {
  // Value stack of every execution, in 8-byte slots (locals and operands).
  uint32_t value_stack_slots = 256 * 1024;
  // Nested wasm calls before "call stack exhausted".
  uint32_t max_call_depth = 16 * 1024;
  // Upper bound on any one linear memory (memory.grow past it returns -1).
  uint64_t max_memory_bytes = uint64_t(kMaxPages) * kPageSize;
  // Upper bound on elements of any one table (table.grow past it returns -1).
  uint32_t max_table_elements = 10 * 1000 * 1000;
};

// Checked access to a guest's linear memory. Every pointer and length coming
// from a guest goes through here; arithmetic is done in 64 bits so that
// ptr + len cannot wrap.
class MemoryView {
 public:
  MemoryView() = default;
  explicit MemoryView(MemoryInstance* m) : mem_(m) {}

  bool valid() const { return mem_ != nullptr; }
  uint64_t size() const;
  // Host pointer to [addr, addr+len), or nullptr if any byte is outside memory.
  // The pointer is invalidated by memory.grow.
  uint8_t* span(uint64_t addr, uint64_t len) const;
  bool read(uint64_t addr, void* dst, uint64_t len) const;
  bool write(uint64_t addr, const void* src, uint64_t len) const;
  bool read_u32(uint64_t addr, uint32_t* out) const;
  bool write_u32(uint64_t addr, uint32_t v) const;
  bool write_u64(uint64_t addr, uint64_t v) const;

 private:
  MemoryInstance* mem_ = nullptr;
};

// What a host function returns: nothing special, a trap, or a request to end
// the whole execution with an exit code (WASI proc_exit).
struct HostResult {
  TrapKind kind = TrapKind::None;
  const char* message = nullptr;
  int32_t exit_code = 0;

  static HostResult ok() { return {}; }
  static HostResult trap(const char* static_message) { return {TrapKind::Host, static_message, 0}; }
  static HostResult exit(int32_t code) { return {TrapKind::Exit, nullptr, code}; }
};

struct HostCall {
  Store* store = nullptr;
  Instance* caller = nullptr;  // the calling instance (nullptr when called from the embedder)
  void* user = nullptr;        // the pointer given when the function was created
  MemoryView memory() const;   // caller's memory 0 (invalid view if it has none)
};

// A host function sees its arguments and writes its results as raw 64-bit
// slots in the order of its type (i32 in the low half, floats as bit patterns).
using HostFunc = HostResult (*)(HostCall& call, const uint64_t* args, uint64_t* results);

// A signature written by the embedder.
struct Signature {
  const ValType* params = nullptr;
  uint32_t num_params = 0;
  const ValType* results = nullptr;
  uint32_t num_results = 0;
};

struct ExternVal {
  ExternKind kind = ExternKind::Func;
  void* ptr = nullptr;  // FuncInstance*, TableInstance*, MemoryInstance* or GlobalInstance*

  static ExternVal func(FuncInstance* f) { return {ExternKind::Func, f}; }
  static ExternVal table(TableInstance* t) { return {ExternKind::Table, t}; }
  static ExternVal memory(MemoryInstance* m) { return {ExternKind::Memory, m}; }
  static ExternVal global(GlobalInstance* g) { return {ExternKind::Global, g}; }
  bool is_null() const { return ptr == nullptr; }
};

// Names that imports resolve to: (module, name) -> ExternVal.
class Linker {
 public:
  explicit Linker(Allocator& a);
  ~Linker();
  Result<void> define(const char* module, const char* name, ExternVal v);
  // Defines every export of an instance under `module`.
  Result<void> define_instance(const char* module, Instance& inst);
  ExternVal resolve(const char* module, size_t module_len, const char* name, size_t name_len) const;

 private:
  struct Entry;
  Allocator* alloc_;
  Vec<Entry*> entries_;
};

struct Outcome {
  enum class Status : uint8_t { Ok, Trapped, OutOfFuel };
  Status status = Status::Ok;
  Trap trap;  // Status::Trapped

  bool ok() const { return status == Status::Ok; }
  static Outcome success() { return {}; }
};

// Execution tier: how an instance runs its code.
enum class Tier : uint8_t { Interpreter };

class Store {
 public:
  Store(Allocator& a, const EngineConfig& config);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Allocator& allocator() const { return *alloc_; }
  const EngineConfig& config() const { return config_; }

  Result<FuncInstance*> create_host_function(const Signature& sig, HostFunc fn, void* user,
                                             const char* debug_name);
  Result<GlobalInstance*> create_global(GlobalType type, Value init);
  Result<TableInstance*> create_table(TableType type, uint64_t init_ref);
  Result<MemoryInstance*> create_memory(MemoryType type);

  // Implementation hooks for execution tiers.
  struct Impl;
  Impl* impl() const { return impl_; }

 private:
  Allocator* alloc_;
  EngineConfig config_;
  Impl* impl_;
};

// Accessors for store objects (their layout belongs to the runtime).
uint32_t memory_pages(const MemoryInstance* m);
// Grows by delta pages; returns the old size in pages, or -1 if refused.
int64_t memory_grow(MemoryInstance* m, uint32_t delta_pages);
Value global_get(const GlobalInstance* g);
GlobalType global_type(const GlobalInstance* g);
Result<void> global_set(GlobalInstance* g, Value v);  // fails on immutable or mistyped
uint32_t table_size(const TableInstance* t);
Signature func_signature(const FuncInstance* f);

class Instance {
 public:
  virtual ~Instance() = default;
  virtual const Module& module() const = 0;
  virtual Store& store() const = 0;
  // Export by name; a null ExternVal if absent.
  virtual ExternVal find_export(const char* name, size_t len) const = 0;
  // Memory 0, or nullptr.
  virtual MemoryInstance* memory() const = 0;
};

// Runs calls into wasm with a fuel budget. When the budget is spent the call
// stops with Status::OutOfFuel and can be resume()d after add_fuel(), or
// abandon()ed. One call at a time per Execution.
class Execution {
 public:
  virtual ~Execution() = default;
  virtual Outcome call(FuncInstance* f, const Value* args, size_t num_args) = 0;
  virtual Outcome resume() = 0;
  virtual void abandon() = 0;
  virtual bool suspended() const = 0;
  // Results of the last completed call.
  virtual size_t num_results() const = 0;
  virtual Value result(size_t i) const = 0;

  static constexpr uint64_t kUnlimitedFuel = ~uint64_t(0);
  virtual void set_fuel(uint64_t fuel) = 0;
  virtual uint64_t fuel() const = 0;          // remaining
  virtual uint64_t fuel_consumed() const = 0; // since creation
};

// Creates an execution context of the given tier for a store.
Result<Box<Execution>> create_execution(Store& store, Tier tier = Tier::Interpreter);

// How instantiate() brings an instance to life.
struct InstantiateOptions {
  // false: skip the start function, for an instance that is about to receive
  // a snapshot (restore_snapshot in snapshot.h): its state was already
  // initialised where the snapshot was taken.
  bool run_start = true;
};

// Resolves imports through the linker, checks their types, allocates the
// instance's memories, tables and globals, applies active segments and runs the
// start function on `exec` (unless options.run_start is false). Link errors (unknown import, incompatible import
// type) are Errors; a trap while applying segments or in the start function is
// reported in *outcome (the instance then exists, as the specification says).
// The store owns the instance.
Result<Instance*> instantiate(Store& store, const Module& module, const Linker& linker,
                              Execution& exec, Outcome* outcome, Tier tier = Tier::Interpreter,
                              const InstantiateOptions& options = {});

}  // namespace continuum::engine
