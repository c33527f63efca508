// The store: owner of every function, table, memory, global and instance,
// and of the interned function types.
#include <string.h>

#include "continuum/engine/runtime.h"
#include "runtime/instance.h"
#include "runtime/store_objects.h"
#include "runtime/tier.h"

namespace continuum::engine {

Value Value::f32(float v) {
  uint32_t b;
  memcpy(&b, &v, 4);
  return {ValType::F32, b};
}
Value Value::f64(double v) {
  uint64_t b;
  memcpy(&b, &v, 8);
  return {ValType::F64, b};
}
float Value::as_f32() const {
  uint32_t b = static_cast<uint32_t>(bits);
  float v;
  memcpy(&v, &b, 4);
  return v;
}
double Value::as_f64() const {
  double v;
  memcpy(&v, &bits, 8);
  return v;
}

namespace {

bool same_types(const Vec<ValType>& a, const ValType* b, uint32_t n) {
  if (a.size() != n) return false;
  for (uint32_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

const Error kOutOfMemory = Error::at("out of memory", kNoIndex);

}  // namespace

Result<const InternedType*> Store::Impl::intern(const ValType* params, uint32_t num_params,
                                                const ValType* results, uint32_t num_results) {
  // Modules have few distinct types; a linear scan keeps this simple and small.
  for (InternedType* t : types)
    if (same_types(t->params, params, num_params) && same_types(t->results, results, num_results))
      return static_cast<const InternedType*>(t);
  InternedType* t = make<InternedType>(*alloc);
  if (t == nullptr) return kOutOfMemory;
  t->id = static_cast<uint32_t>(types.size());
  t->params.set_allocator(alloc);
  t->results.set_allocator(alloc);
  if (!types.push_back(t)) {
    destroy(*alloc, t);
    return kOutOfMemory;
  }
  if (!t->params.append(params, num_params) || !t->results.append(results, num_results))
    return kOutOfMemory;
  return static_cast<const InternedType*>(t);
}

Result<FuncInstance*> Store::Impl::new_func() {
  FuncInstance* f = make<FuncInstance>(*alloc);
  if (f == nullptr) return kOutOfMemory;
  if (!funcs.push_back(f)) {
    destroy(*alloc, f);
    return kOutOfMemory;
  }
  return f;
}

Result<TableInstance*> Store::Impl::new_table(const TableType& type, uint64_t init_ref) {
  uint64_t limit = config->max_table_elements;
  if (type.limits.min > limit) return Error::at("table size exceeds the engine limit", kNoIndex);
  TableInstance* t = make<TableInstance>(*alloc);
  if (t == nullptr) return kOutOfMemory;
  t->elems.set_allocator(alloc);
  t->type = type;
  t->max = type.limits.has_max && type.limits.max < limit ? type.limits.max : limit;
  if (!tables.push_back(t)) {
    destroy(*alloc, t);
    return kOutOfMemory;
  }
  if (!t->elems.resize(type.limits.min)) return kOutOfMemory;
  for (uint64_t& e : t->elems) e = init_ref;
  return t;
}

Result<MemoryInstance*> Store::Impl::new_memory(const MemoryType& type) {
  uint64_t limit_pages = config->max_memory_bytes / kPageSize;
  if (limit_pages > kMaxPages) limit_pages = kMaxPages;
  if (type.limits.min > limit_pages) return Error::at("memory size exceeds the engine limit", kNoIndex);
  MemoryInstance* m = make<MemoryInstance>(*alloc);
  if (m == nullptr) return kOutOfMemory;
  m->alloc = alloc;
  m->type = type;
  m->max_pages =
      type.limits.has_max && type.limits.max < limit_pages ? type.limits.max : limit_pages;
  if (!memories.push_back(m)) {
    destroy(*alloc, m);
    return kOutOfMemory;
  }
  if (type.limits.min > 0) {
    uint64_t bytes = type.limits.min * kPageSize;
    m->data = static_cast<uint8_t*>(alloc->allocate(bytes, 16));
    if (m->data == nullptr) return kOutOfMemory;
    memset(m->data, 0, bytes);
    m->size = bytes;
  }
  return m;
}

Result<GlobalInstance*> Store::Impl::new_global(const GlobalType& type, uint64_t bits) {
  GlobalInstance* g = make<GlobalInstance>(*alloc);
  if (g == nullptr) return kOutOfMemory;
  g->type = type;
  g->bits = bits;
  if (!globals.push_back(g)) {
    destroy(*alloc, g);
    return kOutOfMemory;
  }
  return g;
}

Store::Store(Allocator& a, const EngineConfig& config) : alloc_(&a), config_(config) {
  impl_ = make<Impl>(a, &a);
  // Without its private state the store can make nothing; every create_* then
  // reports out of memory instead of crashing.
  if (impl_ != nullptr) impl_->config = &config_;
}

Store::~Store() {
  if (impl_ == nullptr) return;
  for (RuntimeInstance* i : impl_->instances) destroy(*alloc_, i);
  for (FuncInstance* f : impl_->funcs) {
    interp::free_code(*alloc_, f->code);
    destroy(*alloc_, f);
  }
  for (TableInstance* t : impl_->tables) destroy(*alloc_, t);
  for (MemoryInstance* m : impl_->memories) {
    if (m->data) alloc_->deallocate(m->data, m->size, 16);
    destroy(*alloc_, m);
  }
  for (GlobalInstance* g : impl_->globals) destroy(*alloc_, g);
  for (InternedType* t : impl_->types) destroy(*alloc_, t);
  destroy(*alloc_, impl_);
}

Result<FuncInstance*> Store::create_host_function(const Signature& sig, HostFunc fn, void* user,
                                                  const char* debug_name) {
  if (impl_ == nullptr) return kOutOfMemory;
  const InternedType* type;
  CTM_TRY_ASSIGN(type, impl_->intern(sig.params, sig.num_params, sig.results, sig.num_results));
  FuncInstance* f;
  CTM_TRY_ASSIGN(f, impl_->new_func());
  f->type = type;
  f->type_id = type->id;
  f->host = fn;
  f->user = user;
  f->debug_name = debug_name;
  return f;
}

Result<GlobalInstance*> Store::create_global(GlobalType type, Value init) {
  if (impl_ == nullptr) return kOutOfMemory;
  if (init.type != type.type) return Error::at("global initial value has the wrong type", kNoIndex);
  return impl_->new_global(type, init.bits);
}

Result<TableInstance*> Store::create_table(TableType type, uint64_t init_ref) {
  if (impl_ == nullptr) return kOutOfMemory;
  return impl_->new_table(type, init_ref);
}

Result<MemoryInstance*> Store::create_memory(MemoryType type) {
  if (impl_ == nullptr) return kOutOfMemory;
  return impl_->new_memory(type);
}

uint32_t memory_pages(const MemoryInstance* m) { return static_cast<uint32_t>(m->size / kPageSize); }

int64_t memory_grow(MemoryInstance* m, uint32_t delta_pages) {
  uint64_t old_pages = m->size / kPageSize;
  uint64_t new_pages = old_pages + delta_pages;
  if (new_pages > m->max_pages) return -1;
  if (delta_pages == 0) return static_cast<int64_t>(old_pages);
  uint64_t new_size = new_pages * kPageSize;
  uint8_t* fresh = m->data ? static_cast<uint8_t*>(m->alloc->reallocate(m->data, m->size, new_size, 16))
                           : static_cast<uint8_t*>(m->alloc->allocate(new_size, 16));
  if (fresh == nullptr) return -1;
  memset(fresh + m->size, 0, new_size - m->size);
  m->data = fresh;
  m->size = new_size;
  return static_cast<int64_t>(old_pages);
}

Value global_get(const GlobalInstance* g) { return {g->type.type, g->bits}; }
GlobalType global_type(const GlobalInstance* g) { return g->type; }

Result<void> global_set(GlobalInstance* g, Value v) {
  if (!g->type.is_mutable) return Error::at("global is immutable", kNoIndex);
  if (v.type != g->type.type) return Error::at("global value has the wrong type", kNoIndex);
  g->bits = v.bits;
  return Ok();
}

uint32_t table_size(const TableInstance* t) { return static_cast<uint32_t>(t->elems.size()); }

Signature func_signature(const FuncInstance* f) {
  Signature s;
  s.params = f->type->params.data();
  s.num_params = static_cast<uint32_t>(f->type->params.size());
  s.results = f->type->results.data();
  s.num_results = static_cast<uint32_t>(f->type->results.size());
  return s;
}

bool table_init(TableInstance* t, uint64_t dst, const uint64_t* src, uint64_t src_size,
                uint64_t src_offset, uint64_t n) {
  if (src_offset + n > src_size || dst + n > t->elems.size()) return false;
  if (n) memmove(t->elems.data() + dst, src + src_offset, n * sizeof(uint64_t));
  return true;
}

bool memory_init(MemoryInstance* m, uint64_t dst, const uint8_t* src, uint64_t src_size,
                 uint64_t src_offset, uint64_t n) {
  if (src_offset + n > src_size || dst + n > m->size) return false;
  if (n) memcpy(m->data + dst, src + src_offset, n);
  return true;
}

int64_t table_grow(TableInstance* t, uint64_t delta, uint64_t init) {
  uint64_t old = t->elems.size();
  if (delta > t->max || old + delta > t->max) return -1;
  if (!t->elems.resize(old + delta)) return -1;
  for (uint64_t i = old; i < old + delta; ++i) t->elems[i] = init;
  return static_cast<int64_t>(old);
}

}  // namespace continuum::engine
