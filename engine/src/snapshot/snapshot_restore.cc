// Restoring a snapshot into a fresh instance of the same module: every field
// is checked against the module before it is used (a snapshot arrives over
// the network and may be truncated, damaged or meant for another module), and
// memory blocks are read straight into linear memory. Layout: docs/snapshot.md.
#include <string.h>

#include "continuum/engine/snapshot.h"
#include "runtime/instance.h"
#include "runtime/store_objects.h"
#include "snapshot/snapshot_stream.h"

namespace continuum::engine {

using snapshot_format::Reader;

namespace {

// Offsets past 4 GiB (a memory that large) are reported as the last one an
// Error can hold.
Error at(const Reader& r, const char* message) {
  return Error::at(message, r.offset() >= kNoIndex ? kNoIndex - 1 : static_cast<uint32_t>(r.offset()));
}

Error truncated(const Reader& r) { return at(r, "unexpected end of snapshot"); }

// Decodes a stored reference for a table or global of element type `type`.
Result<uint64_t> decode_ref(const Reader& r, const RuntimeInstance& inst, ValType type, uint64_t stored) {
  if (stored == snapshot_format::kNullRefBits || (type == ValType::FuncRef && stored == snapshot_format::kNullFuncIndex))
    return uint64_t(0);
  if (type != ValType::FuncRef) return at(r, "snapshot holds a non-null externref");
  if (stored >= inst.funcs.size()) return at(r, "snapshot names a function the module does not have");
  return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(inst.funcs[static_cast<size_t>(stored)]));
}

Result<void> read_header(Reader& r, const Module& m) {
  uint8_t magic[4];
  if (!r.bytes(magic, 4)) return truncated(r);
  if (memcmp(magic, snapshot_format::kMagic, 4) != 0) return at(r, "not a Continuum snapshot (bad magic)");
  uint32_t version;
  if (!r.u32(&version)) return truncated(r);
  if (version != kSnapshotFormatVersion) return at(r, "unsupported snapshot format version");
  uint8_t stored[32], digest[32];
  if (!r.bytes(stored, 32)) return truncated(r);
  module_digest(m, digest);
  if (memcmp(stored, digest, 32) != 0) return at(r, "snapshot was taken from a different module");
  const uint32_t expected[5] = {
      static_cast<uint32_t>(m.memories.size()), static_cast<uint32_t>(m.globals.size()),
      static_cast<uint32_t>(m.tables.size()), static_cast<uint32_t>(m.elems.size()),
      static_cast<uint32_t>(m.datas.size())};
  for (uint32_t want : expected) {
    uint32_t count;
    if (!r.u32(&count)) return truncated(r);
    if (count != want) return at(r, "snapshot counts do not match the module");
  }
  return Ok();
}

Result<void> read_memory(Reader& r, MemoryInstance& m) {
  uint32_t pages;
  if (!r.u32(&pages)) return truncated(r);
  uint64_t current = m.size / kPageSize;
  if (pages < current) return at(r, "snapshot memory is smaller than the module declares");
  if (pages > m.max_pages) return at(r, "snapshot memory is larger than this instance may grow");
  if (pages > current && memory_grow(&m, static_cast<uint32_t>(pages - current)) < 0)
    return at(r, "out of memory growing the memory for the snapshot");
  const uint64_t blocks = m.size / kSnapshotBlockBytes;
  uint64_t b = 0;
  while (b < blocks) {
    uint8_t kind;
    uint32_t count;
    if (!r.u8(&kind) || !r.u32(&count)) return truncated(r);
    if (kind != snapshot_format::kRunZero && kind != snapshot_format::kRunData)
      return at(r, "unknown memory run kind");
    if (count == 0 || count > blocks - b) return at(r, "memory run does not fit the memory");
    uint8_t* dst = m.data + b * kSnapshotBlockBytes;
    uint64_t n = uint64_t(count) * kSnapshotBlockBytes;
    if (kind == snapshot_format::kRunZero) memset(dst, 0, n);
    else if (!r.bytes(dst, n)) return truncated(r);
    b += count;
  }
  return Ok();
}

Result<void> read_global(Reader& r, const RuntimeInstance& inst, GlobalInstance& g) {
  uint8_t type, is_mutable;
  uint64_t bits;
  if (!r.u8(&type) || !r.u8(&is_mutable) || !r.u64(&bits)) return truncated(r);
  if (type != static_cast<uint8_t>(g.type.type)) return at(r, "global type differs from the module's");
  if (is_mutable > 1 || (is_mutable == 1) != g.type.is_mutable)
    return at(r, "global mutability differs from the module's");
  if ((g.type.type == ValType::I32 || g.type.type == ValType::F32) && bits > 0xFFFFFFFFu)
    return at(r, "32-bit global value out of range");
  if (is_ref_type(g.type.type)) CTM_TRY_ASSIGN(bits, decode_ref(r, inst, g.type.type, bits));
  g.bits = bits;
  return Ok();
}

Result<void> read_table(Reader& r, const RuntimeInstance& inst, TableInstance& t) {
  uint8_t type;
  uint32_t size;
  if (!r.u8(&type) || !r.u32(&size)) return truncated(r);
  if (type != static_cast<uint8_t>(t.type.elem)) return at(r, "table element type differs from the module's");
  if (size < t.elems.size()) return at(r, "snapshot table is smaller than the module declares");
  if (size > t.max) return at(r, "snapshot table is larger than this instance may grow");
  if (size > t.elems.size() && table_grow(&t, size - t.elems.size(), 0) < 0)
    return at(r, "out of memory growing the table for the snapshot");
  for (uint64_t& elem : t.elems) {
    uint32_t stored;
    if (!r.u32(&stored)) return truncated(r);
    CTM_TRY_ASSIGN(elem, decode_ref(r, inst, t.type.elem, stored));
  }
  return Ok();
}

// 1 = dropped. A segment the fresh instance has already dropped (an active
// one, applied at instantiation) cannot come back.
Result<bool> read_dropped(Reader& r, bool dropped_now) {
  uint8_t flag;
  if (!r.u8(&flag)) return truncated(r);
  if (flag > 1) return at(r, "segment flag is neither 0 nor 1");
  if (flag == 0 && dropped_now) return at(r, "snapshot keeps a segment the module drops at instantiation");
  return flag == 1;
}

}  // namespace

Result<void> restore_snapshot(Instance& instance, const Execution& exec, SnapshotSource& in) {
  if (exec.suspended())
    return Error::at("cannot restore during a suspended call: resume or abandon it first", kNoIndex);
  auto& inst = static_cast<RuntimeInstance&>(instance);
  const Module& m = inst.module();
  Reader r(in);
  CTM_TRY(read_header(r, m));
  for (size_t i = 0; i < m.memories.size(); ++i)
    CTM_TRY(read_memory(r, *inst.memories[m.num_imported_memories + i]));
  for (size_t i = 0; i < m.globals.size(); ++i)
    CTM_TRY(read_global(r, inst, *inst.globals[m.num_imported_globals + i]));
  for (size_t i = 0; i < m.tables.size(); ++i)
    CTM_TRY(read_table(r, inst, *inst.tables[m.num_imported_tables + i]));
  for (ElemInstance& e : inst.elems) {
    bool dropped;
    CTM_TRY_ASSIGN(dropped, read_dropped(r, e.refs.empty()));
    if (dropped) e.refs.clear();
  }
  for (DataInstance& d : inst.datas) {
    bool dropped;
    CTM_TRY_ASSIGN(dropped, read_dropped(r, d.size == 0));
    if (dropped) d.size = 0;
  }
  uint8_t expected[32], stored[32];
  r.digest_so_far(expected);
  if (!r.bytes(stored, 32)) return truncated(r);
  if (memcmp(expected, stored, 32) != 0) return at(r, "snapshot digest mismatch: the snapshot is damaged");
  if (!r.at_end()) return at(r, "bytes after the end of the snapshot");
  return Ok();
}

}  // namespace continuum::engine
