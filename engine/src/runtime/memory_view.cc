// Checked host access to linear memory. All arithmetic is 64-bit, and a range
// is accepted only when addr + len <= size without wrapping.
#include <string.h>

#include "continuum/engine/runtime.h"
#include "runtime/instance.h"
#include "runtime/store_objects.h"

namespace continuum::engine {

uint64_t MemoryView::size() const { return mem_ ? mem_->size : 0; }

uint8_t* MemoryView::span(uint64_t addr, uint64_t len) const {
  if (mem_ == nullptr) return nullptr;
  uint64_t size = mem_->size;
  if (addr > size || len > size - addr) return nullptr;
  if (mem_->data == nullptr) {
    // A zero-byte memory: only the empty range at 0 exists, and it has no
    // address; hand out a non-null pointer that must not be dereferenced.
    static uint8_t empty;
    return &empty;
  }
  return mem_->data + addr;
}

bool MemoryView::read(uint64_t addr, void* dst, uint64_t len) const {
  uint8_t* p = span(addr, len);
  if (p == nullptr) return false;
  if (len) memcpy(dst, p, len);
  return true;
}

bool MemoryView::write(uint64_t addr, const void* src, uint64_t len) const {
  uint8_t* p = span(addr, len);
  if (p == nullptr) return false;
  if (len) memcpy(p, src, len);
  return true;
}

bool MemoryView::read_u32(uint64_t addr, uint32_t* out) const { return read(addr, out, 4); }
bool MemoryView::write_u32(uint64_t addr, uint32_t v) const { return write(addr, &v, 4); }
bool MemoryView::write_u64(uint64_t addr, uint64_t v) const { return write(addr, &v, 8); }

MemoryView HostCall::memory() const {
  if (caller == nullptr) return MemoryView();
  return MemoryView(caller->memory());
}

}  // namespace continuum::engine
