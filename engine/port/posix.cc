// Port layer for hosted platforms (Linux, macOS): malloc, clock_gettime, stderr.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "continuum/engine/port.h"

namespace continuum::engine::port {
namespace {

class MallocAllocator final : public Allocator {
 public:
  void* allocate(size_t size, size_t align) override {
    if (align <= alignof(max_align_t)) return malloc(size ? size : 1);
    void* p = nullptr;
    return posix_memalign(&p, align, size ? size : 1) == 0 ? p : nullptr;
  }
  void deallocate(void* ptr, size_t, size_t) override { free(ptr); }
  void* reallocate(void* ptr, size_t old_size, size_t new_size, size_t align) override {
    if (align > alignof(max_align_t)) return Allocator::reallocate(ptr, old_size, new_size, align);
    return realloc(ptr, new_size ? new_size : 1);
  }
};

}  // namespace

Allocator& system_allocator() {
  static MallocAllocator instance;
  return instance;
}

uint64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

void log(LogLevel level, const char* message) {
  static const char* const kNames[] = {"debug", "info", "warn", "error"};
  fprintf(stderr, "engine %s: %s\n", kNames[static_cast<int>(level)], message);
}

}  // namespace continuum::engine::port
