// Writing a snapshot: the header, then each defined memory (as runs of zero
// and stored 4 KiB blocks, read straight from linear memory), global, table
// and segment-dropped flag, then the digest trailer. Layout: docs/snapshot.md.
#include <string.h>

#include "continuum/engine/snapshot.h"
#include "runtime/instance.h"
#include "snapshot/snapshot_stream.h"

namespace continuum::engine {

using snapshot_format::Writer;

namespace {

const Error kSinkFailed = Error::at("snapshot output refused the bytes", kNoIndex);

// The index of a function in the module's function space: its own functions
// by their index, imported ones by the import's index (the target resolves
// the same import). A function of any other instance has no name there.
bool func_index_of(const RuntimeInstance& inst, const FuncInstance* f, uint32_t* index) {
  if (f->instance == &inst) {
    *index = f->index;
    return true;
  }
  uint32_t imported = inst.module().num_imported_funcs;
  for (uint32_t i = 0; i < imported; ++i) {
    if (inst.funcs[i] == f) {
      *index = i;
      return true;
    }
  }
  return false;
}

// A reference as the format stores it (function index, or all ones for null).
Result<uint64_t> encode_ref(const RuntimeInstance& inst, ValType type, uint64_t ref) {
  if (ref == 0) return snapshot_format::kNullRefBits;
  if (type == ValType::ExternRef)
    return Error::at("a non-null externref cannot be saved in a snapshot", kNoIndex);
  uint32_t index;
  if (!func_index_of(inst, reinterpret_cast<const FuncInstance*>(static_cast<uintptr_t>(ref)), &index))
    return Error::at("a reference to a function of another instance cannot be saved in a snapshot",
                     kNoIndex);
  return uint64_t(index);
}

bool block_is_zero(const uint8_t* p) {
  // Word-wise (memcpy compiles to plain loads, without aliasing questions):
  // most blocks of a mostly-empty memory are zero, so this loop decides the
  // snapshot's speed.
  for (uint32_t i = 0; i < kSnapshotBlockBytes; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    if (w != 0) return false;
  }
  return true;
}

bool write_memory(Writer& w, const MemoryInstance& m) {
  uint32_t pages = static_cast<uint32_t>(m.size / kPageSize);
  if (!w.u32(pages)) return false;
  uint64_t blocks = m.size / kSnapshotBlockBytes;
  uint64_t b = 0;
  while (b < blocks) {
    bool zero = block_is_zero(m.data + b * kSnapshotBlockBytes);
    uint64_t end = b + 1;
    while (end < blocks && block_is_zero(m.data + end * kSnapshotBlockBytes) == zero) ++end;
    uint32_t count = static_cast<uint32_t>(end - b);
    if (!w.u8(zero ? snapshot_format::kRunZero : snapshot_format::kRunData) || !w.u32(count))
      return false;
    if (!zero && !w.bytes(m.data + b * kSnapshotBlockBytes, uint64_t(count) * kSnapshotBlockBytes))
      return false;
    b = end;
  }
  return true;
}

Result<void> write_table(Writer& w, const RuntimeInstance& inst, const TableInstance& t) {
  if (!w.u8(static_cast<uint8_t>(t.type.elem)) || !w.u32(static_cast<uint32_t>(t.elems.size())))
    return kSinkFailed;
  for (uint64_t ref : t.elems) {
    uint64_t encoded;
    CTM_TRY_ASSIGN(encoded, encode_ref(inst, t.type.elem, ref));
    if (!w.u32(static_cast<uint32_t>(encoded))) return kSinkFailed;
  }
  return Ok();
}

}  // namespace

void module_digest(const Module& module, uint8_t out[32]) {
  Sha256 d;
  d.update(module.bytes(), module.size());
  d.finish(out);
}

Result<void> write_snapshot(const Instance& instance, const Execution& exec, SnapshotSink& out) {
  if (exec.suspended())
    return Error::at("cannot snapshot during a suspended call: resume or abandon it first", kNoIndex);
  const auto& inst = static_cast<const RuntimeInstance&>(instance);
  const Module& m = inst.module();
  Writer w(out);
  uint8_t digest[32];
  module_digest(m, digest);
  bool ok = w.bytes(snapshot_format::kMagic, 4) && w.u32(kSnapshotFormatVersion) &&
            w.bytes(digest, sizeof digest) && w.u32(static_cast<uint32_t>(m.memories.size())) &&
            w.u32(static_cast<uint32_t>(m.globals.size())) &&
            w.u32(static_cast<uint32_t>(m.tables.size())) &&
            w.u32(static_cast<uint32_t>(m.elems.size())) &&
            w.u32(static_cast<uint32_t>(m.datas.size()));
  if (!ok) return kSinkFailed;
  for (size_t i = 0; i < m.memories.size(); ++i)
    if (!write_memory(w, *inst.memories[m.num_imported_memories + i])) return kSinkFailed;
  for (size_t i = 0; i < m.globals.size(); ++i) {
    const GlobalInstance& g = *inst.globals[m.num_imported_globals + i];
    uint64_t bits = g.bits;
    if (is_ref_type(g.type.type)) CTM_TRY_ASSIGN(bits, encode_ref(inst, g.type.type, g.bits));
    if (!w.u8(static_cast<uint8_t>(g.type.type)) || !w.u8(g.type.is_mutable ? 1 : 0) || !w.u64(bits))
      return kSinkFailed;
  }
  for (size_t i = 0; i < m.tables.size(); ++i)
    CTM_TRY(write_table(w, inst, *inst.tables[m.num_imported_tables + i]));
  // A dropped element segment has no references left; a dropped data
  // segment has size 0. (An empty segment reads as dropped: equivalent.)
  for (const ElemInstance& e : inst.elems)
    if (!w.u8(e.refs.empty() ? 1 : 0)) return kSinkFailed;
  for (const DataInstance& d : inst.datas)
    if (!w.u8(d.size == 0 ? 1 : 0)) return kSinkFailed;
  if (!w.trailer()) return kSinkFailed;
  return Ok();
}

}  // namespace continuum::engine
