// Instantiation, in the order the specification gives: resolve and check
// imports, allocate the module's own tables, memories and globals, prepare
// the code, apply active element segments then data segments (each in order;
// the first out-of-bounds one traps and earlier effects stay), then run the
// start function.
#include <string.h>

#include "continuum/engine/runtime.h"
#include "runtime/instance.h"
#include "runtime/store_objects.h"
#include "runtime/tier.h"

namespace continuum::engine {

namespace {

const Error kOutOfMemory = Error::at("out of memory", kNoIndex);

Error link_error(const char* message, const Import& imp) {
  Error e = Error::at(message, imp.module.offset);
  e.context = extern_kind_name(imp.kind);
  return e;
}

// Limits `actual` may stand in for `wanted` (the import's declaration).
bool limits_match(const Limits& actual, const Limits& wanted) {
  if (actual.min < wanted.min) return false;
  if (!wanted.has_max) return true;
  return actual.has_max && actual.max <= wanted.max;
}

Result<void> bind_import(RuntimeInstance& inst, const Import& imp, ExternVal v) {
  const char* incompatible = "incompatible import type";
  if (v.kind != imp.kind) return link_error(incompatible, imp);
  switch (imp.kind) {
    case ExternKind::Func: {
      auto* f = static_cast<FuncInstance*>(v.ptr);
      if (f->type != inst.type_ids[imp.func_type]) return link_error(incompatible, imp);
      if (!inst.funcs.push_back(f)) return kOutOfMemory;
      return Ok();
    }
    case ExternKind::Table: {
      auto* t = static_cast<TableInstance*>(v.ptr);
      Limits actual = t->type.limits;
      actual.min = t->elems.size();
      if (t->type.elem != imp.table.elem || !limits_match(actual, imp.table.limits))
        return link_error(incompatible, imp);
      if (!inst.tables.push_back(t)) return kOutOfMemory;
      return Ok();
    }
    case ExternKind::Memory: {
      auto* m = static_cast<MemoryInstance*>(v.ptr);
      Limits actual = m->type.limits;
      actual.min = m->size / kPageSize;
      if (!limits_match(actual, imp.memory.limits)) return link_error(incompatible, imp);
      if (!inst.memories.push_back(m)) return kOutOfMemory;
      return Ok();
    }
    case ExternKind::Global: {
      auto* g = static_cast<GlobalInstance*>(v.ptr);
      if (g->type.type != imp.global.type || g->type.is_mutable != imp.global.is_mutable)
        return link_error(incompatible, imp);
      if (!inst.globals.push_back(g)) return kOutOfMemory;
      return Ok();
    }
  }
  return link_error(incompatible, imp);
}

// Constant expressions may read globals defined before them and name functions.
uint64_t eval_const(const RuntimeInstance& inst, const ConstExpr& e) {
  switch (e.kind) {
    case ConstExpr::Kind::GlobalGet: return inst.globals[e.bits]->bits;
    case ConstExpr::Kind::RefFunc: return reinterpret_cast<uintptr_t>(inst.funcs[e.bits]);
    case ConstExpr::Kind::RefNull: return 0;
    case ConstExpr::Kind::I32: return static_cast<uint32_t>(e.bits);
    default: return e.bits;
  }
}

Result<void> build_instance(Store& store, const Module& m, const Linker& linker,
                            RuntimeInstance& inst) {
  Store::Impl& impl = *store.impl();
  for (const FuncType& t : m.types) {
    const InternedType* it;
    CTM_TRY_ASSIGN(it, impl.intern(t.params.data(), static_cast<uint32_t>(t.params.size()),
                                   t.results.data(), static_cast<uint32_t>(t.results.size())));
    if (!inst.type_ids.push_back(it)) return kOutOfMemory;
  }
  for (const Import& imp : m.imports) {
    ExternVal v = linker.resolve(m.name_ptr(imp.module), imp.module.size, m.name_ptr(imp.name),
                                 imp.name.size);
    if (v.is_null()) return link_error("unknown import", imp);
    CTM_TRY(bind_import(inst, imp, v));
  }
  for (uint32_t i = 0; i < m.functions.size(); ++i) {
    FuncInstance* f;
    CTM_TRY_ASSIGN(f, impl.new_func());
    f->type = inst.type_ids[m.functions[i].type_index];
    f->type_id = f->type->id;
    f->instance = &inst;
    f->index = m.num_imported_funcs + i;
    if (!inst.funcs.push_back(f)) return kOutOfMemory;
  }
  for (const TableType& t : m.tables) {
    TableInstance* ti;
    CTM_TRY_ASSIGN(ti, impl.new_table(t, 0));
    if (!inst.tables.push_back(ti)) return kOutOfMemory;
  }
  for (const MemoryType& t : m.memories) {
    MemoryInstance* mi;
    CTM_TRY_ASSIGN(mi, impl.new_memory(t));
    if (!inst.memories.push_back(mi)) return kOutOfMemory;
  }
  inst.memory0 = inst.memory();
  for (const Global& g : m.globals) {
    GlobalInstance* gi;
    CTM_TRY_ASSIGN(gi, impl.new_global(g.type, eval_const(inst, g.init)));
    if (!inst.globals.push_back(gi)) return kOutOfMemory;
  }
  if (!inst.elems.resize(m.elems.size())) return kOutOfMemory;
  for (size_t i = 0; i < m.elems.size(); ++i) {
    const ElemSegment& seg = m.elems[i];
    Vec<uint64_t>& refs = inst.elems[i].refs;
    refs.set_allocator(&store.allocator());
    // Declarative segments are dropped at once; they only declare references.
    if (seg.mode == SegmentMode::Declarative) continue;
    if (!refs.resize(seg.items.size())) return kOutOfMemory;
    for (size_t j = 0; j < seg.items.size(); ++j) refs[j] = eval_const(inst, seg.items[j]);
  }
  if (!inst.datas.resize(m.datas.size())) return kOutOfMemory;
  for (size_t i = 0; i < m.datas.size(); ++i) {
    inst.datas[i].bytes = m.bytes() + m.datas[i].bytes.offset;
    inst.datas[i].size = m.datas[i].bytes.size;
  }
  return interp::compile_instance(inst);
}

// Applies active segments; returns false with *trap set if one is out of bounds.
bool apply_segments(RuntimeInstance& inst, Trap* trap) {
  const Module& m = inst.module();
  for (size_t i = 0; i < m.elems.size(); ++i) {
    const ElemSegment& seg = m.elems[i];
    if (seg.mode != SegmentMode::Active) continue;
    Vec<uint64_t>& refs = inst.elems[i].refs;
    uint64_t dst = static_cast<uint32_t>(eval_const(inst, seg.offset));
    if (!table_init(inst.tables[seg.table], dst, refs.data(), refs.size(), 0, refs.size())) {
      trap->kind = TrapKind::TableOutOfBounds;
      trap->offset = seg.offset.offset;
      return false;
    }
    refs.clear();  // elem.drop
  }
  for (size_t i = 0; i < m.datas.size(); ++i) {
    const DataSegment& seg = m.datas[i];
    if (seg.mode != SegmentMode::Active) continue;
    DataInstance& d = inst.datas[i];
    uint64_t dst = static_cast<uint32_t>(eval_const(inst, seg.offset));
    if (!memory_init(inst.memories[seg.memory], dst, d.bytes, d.size, 0, d.size)) {
      trap->kind = TrapKind::MemoryOutOfBounds;
      trap->offset = seg.offset.offset;
      return false;
    }
    d.size = 0;  // data.drop
  }
  return true;
}

}  // namespace

ExternVal RuntimeInstance::find_export(const char* name, size_t len) const {
  for (const Export& ex : module_->exports) {
    if (!module_->name_equals(ex.name, name, len)) continue;
    switch (ex.kind) {
      case ExternKind::Func: return ExternVal::func(funcs[ex.index]);
      case ExternKind::Table: return ExternVal::table(tables[ex.index]);
      case ExternKind::Memory: return ExternVal::memory(memories[ex.index]);
      case ExternKind::Global: return ExternVal::global(globals[ex.index]);
    }
  }
  return ExternVal();
}

Result<Instance*> instantiate(Store& store, const Module& module, const Linker& linker,
                              Execution& exec, Outcome* outcome, Tier tier,
                              const InstantiateOptions& options) {
  (void)tier;  // the interpreter is the only tier so far
  if (outcome) *outcome = Outcome::success();
  Store::Impl* impl = store.impl();
  if (impl == nullptr) return kOutOfMemory;
  RuntimeInstance* inst = make<RuntimeInstance>(store.allocator(), module, store);
  if (inst == nullptr) return kOutOfMemory;
  // Objects created so far belong to the store either way; the instance itself
  // is kept only when linking succeeds.
  Result<void> built = build_instance(store, module, linker, *inst);
  if (!built.ok()) {
    destroy(store.allocator(), inst);
    return built.error();
  }
  if (!impl->instances.push_back(inst)) {
    destroy(store.allocator(), inst);
    return kOutOfMemory;
  }
  Outcome result;
  if (!apply_segments(*inst, &result.trap)) {
    result.status = Outcome::Status::Trapped;
  } else if (module.start != kNoIndex && options.run_start) {
    result = exec.call(inst->funcs[module.start], nullptr, 0);
  }
  if (outcome) *outcome = result;
  return static_cast<Instance*>(inst);
}

}  // namespace continuum::engine
