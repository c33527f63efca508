#include "continuum/engine/allocator.h"

#include <string.h>

namespace continuum::engine {

void* Allocator::reallocate(void* ptr, size_t old_size, size_t new_size, size_t align) {
  void* fresh = allocate(new_size, align);
  if (fresh == nullptr) return nullptr;
  if (ptr != nullptr) {
    memcpy(fresh, ptr, old_size < new_size ? old_size : new_size);
    deallocate(ptr, old_size, align);
  }
  return fresh;
}

void* BoundedAllocator::allocate(size_t size, size_t align) {
  if (!admit(size)) return nullptr;
  void* p = upstream_.allocate(size, align);
  if (p != nullptr) add(size);
  return p;
}

void BoundedAllocator::deallocate(void* ptr, size_t size, size_t align) {
  if (ptr == nullptr) return;
  upstream_.deallocate(ptr, size, align);
  used_ -= size;
}

void* BoundedAllocator::reallocate(void* ptr, size_t old_size, size_t new_size, size_t align) {
  if (new_size > old_size && !admit(new_size - old_size)) return nullptr;
  void* p = upstream_.reallocate(ptr, old_size, new_size, align);
  if (p == nullptr) return nullptr;
  used_ -= old_size;
  add(new_size);
  return p;
}

}  // namespace continuum::engine
