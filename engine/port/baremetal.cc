// Port layer for bare-metal Cortex-M (newlib, no operating system).
//
// - Heap: a first-fit free-list allocator over one static arena. The engine
//   always tells deallocate() how big a block was, so blocks carry no header
//   and the whole arena is usable; free neighbours are merged so that a Vec
//   growing and shrinking does not fragment the arena into dust. The embedder
//   normally puts a BoundedAllocator in front of it with the engine's budget.
// - Clock: SysTick counts CPU cycles; its interrupt counts wraps of the 24-bit
//   counter. The port therefore owns SysTick_Handler (the firmware's vector
//   table must point at it, as CMSIS-style startup files do by name).
// - Log: ARM semihosting (SYS_WRITE0). Without a debugger or an emulator that
//   answers semihosting, the BKPT faults: that is the price of logging at all
//   on a board with no console, and the firmware decides whether to log.
#include <stddef.h>
#include <stdint.h>

#include "continuum/engine/port.h"

#ifndef CONTINUUM_BAREMETAL_HEAP_BYTES
#define CONTINUUM_BAREMETAL_HEAP_BYTES (256u * 1024u)
#endif
#ifndef CONTINUUM_CPU_HZ
#define CONTINUUM_CPU_HZ 25000000u  // MPS2 boards (QEMU mps2-an386) run the core at 25 MHz
#endif

namespace continuum::engine::port {
namespace {

// ---------------------------------------------------------------- heap

class ArenaAllocator final : public Allocator {
 public:
  ArenaAllocator(uint8_t* base, size_t size) {
    uintptr_t begin = round_up(reinterpret_cast<uintptr_t>(base), kGranule);
    uintptr_t end = (reinterpret_cast<uintptr_t>(base) + size) & ~(uintptr_t(kGranule) - 1);
    if (end > begin) {
      free_ = reinterpret_cast<FreeBlock*>(begin);
      free_->size = end - begin;
      free_->next = nullptr;
    }
  }

  void* allocate(size_t size, size_t align) override {
    size = block_size(size);
    if (align < kGranule) align = kGranule;
    FreeBlock** link = &free_;
    for (FreeBlock* b = free_; b != nullptr; link = &b->next, b = b->next) {
      uintptr_t start = reinterpret_cast<uintptr_t>(b);
      uintptr_t aligned = round_up(start, align);
      if (aligned - start + size > b->size) continue;
      // Carve [aligned, aligned+size) out of b: what lies before stays in
      // place as b, what lies after becomes a new free block.
      uintptr_t tail = aligned + size;
      uintptr_t block_end = start + b->size;
      FreeBlock* next = b->next;
      if (block_end > tail) {
        FreeBlock* rest = reinterpret_cast<FreeBlock*>(tail);
        rest->size = block_end - tail;
        rest->next = next;
        next = rest;
      }
      if (aligned > start) {
        b->size = aligned - start;
        b->next = next;
      } else {
        *link = next;
      }
      return reinterpret_cast<void*>(aligned);
    }
    return nullptr;
  }

  void deallocate(void* ptr, size_t size, size_t) override {
    if (ptr == nullptr) return;
    release(reinterpret_cast<uintptr_t>(ptr), block_size(size));
  }

  // Vec growth is the common case: grow in place when the next block is free,
  // shrink in place always; otherwise fall back to allocate + copy + free.
  void* reallocate(void* ptr, size_t old_size, size_t new_size, size_t align) override {
    if (ptr == nullptr) return allocate(new_size, align);
    uintptr_t start = reinterpret_cast<uintptr_t>(ptr);
    size_t have = block_size(old_size);
    size_t want = block_size(new_size);
    if (want == have) return ptr;
    if (want < have) {
      release(start + want, have - want);
      return ptr;
    }
    FreeBlock** link = &free_;
    while (*link != nullptr && reinterpret_cast<uintptr_t>(*link) < start + have) link = &(*link)->next;
    FreeBlock* after = *link;
    if (after != nullptr && reinterpret_cast<uintptr_t>(after) == start + have &&
        have + after->size >= want) {
      size_t extra = want - have;
      if (after->size > extra) {
        FreeBlock* rest = reinterpret_cast<FreeBlock*>(start + want);
        FreeBlock* next = after->next;
        rest->size = after->size - extra;
        rest->next = next;
        *link = rest;
      } else {
        *link = after->next;
      }
      return ptr;
    }
    return Allocator::reallocate(ptr, old_size, new_size, align);
  }

 private:
  struct FreeBlock {
    size_t size;  // bytes, including this header
    FreeBlock* next;
  };
  // Every block is a multiple of this, so a freed block can hold a FreeBlock.
  static constexpr size_t kGranule = sizeof(FreeBlock) < 8 ? 8 : sizeof(FreeBlock);

  static uintptr_t round_up(uintptr_t v, size_t a) { return (v + a - 1) & ~(uintptr_t(a) - 1); }
  static size_t block_size(size_t size) { return size == 0 ? kGranule : round_up(size, kGranule); }

  // Puts [start, start+size) back into the address-ordered free list and
  // merges it with the free blocks directly before and after it.
  void release(uintptr_t start, size_t size) {
    FreeBlock* prev = nullptr;
    FreeBlock* next = free_;
    while (next != nullptr && reinterpret_cast<uintptr_t>(next) < start) {
      prev = next;
      next = next->next;
    }
    FreeBlock* b = reinterpret_cast<FreeBlock*>(start);
    b->size = size;
    b->next = next;
    if (next != nullptr && start + size == reinterpret_cast<uintptr_t>(next)) {
      b->size += next->size;
      b->next = next->next;
    }
    if (prev != nullptr && reinterpret_cast<uintptr_t>(prev) + prev->size == start) {
      prev->size += b->size;
      prev->next = b->next;
    } else if (prev != nullptr) {
      prev->next = b;
    } else {
      free_ = b;
    }
  }

  FreeBlock* free_ = nullptr;
};

alignas(16) uint8_t g_arena[CONTINUUM_BAREMETAL_HEAP_BYTES];

// ---------------------------------------------------------------- clock

// SysTick registers (ARMv7-M architecture, System Control Space).
volatile uint32_t* const kSysTickCsr = reinterpret_cast<volatile uint32_t*>(0xE000E010u);
volatile uint32_t* const kSysTickRvr = reinterpret_cast<volatile uint32_t*>(0xE000E014u);
volatile uint32_t* const kSysTickCvr = reinterpret_cast<volatile uint32_t*>(0xE000E018u);
constexpr uint32_t kCsrEnable = 1u << 0;
constexpr uint32_t kCsrTickInt = 1u << 1;
constexpr uint32_t kCsrProcessorClock = 1u << 2;
constexpr uint32_t kReload = 0x00FFFFFFu;  // the full 24-bit range: fewest interrupts

volatile uint32_t g_systick_wraps = 0;

void start_systick() {
  *kSysTickRvr = kReload;
  *kSysTickCvr = 0;
  *kSysTickCsr = kCsrEnable | kCsrTickInt | kCsrProcessorClock;
  // The cleared counter reads 0 until its first tick reloads it, and 0 would
  // look like a whole period already elapsed. On silicon the reload takes one
  // cycle; an emulator may take a while (QEMU: up to thousands of loop turns).
  // The bound only guards against a SysTick that is not clocked at all.
  for (uint32_t i = 0; i < 10000000u && *kSysTickCvr == 0; ++i) {
  }
}

// ---------------------------------------------------------------- semihosting

constexpr uint32_t kSysWrite0 = 0x04;

void semihost_write0(const char* text) {
  register uint32_t op asm("r0") = kSysWrite0;
  register const char* arg asm("r1") = text;
  asm volatile("bkpt 0xAB" : "+r"(op) : "r"(arg) : "memory");
}

}  // namespace

Allocator& system_allocator() {
  static ArenaAllocator instance(g_arena, sizeof g_arena);
  return instance;
}

uint64_t monotonic_ns() {
  if ((*kSysTickCsr & kCsrEnable) == 0) start_systick();
  // The counter counts down; a wrap between reading the wrap count and the
  // counter would mix two periods, so read until the wrap count is stable.
  uint32_t wraps;
  uint32_t down;
  do {
    wraps = g_systick_wraps;
    down = *kSysTickCvr;
  } while (wraps != g_systick_wraps);
  uint64_t ticks = uint64_t(wraps) * (uint64_t(kReload) + 1) + (kReload - down);
  // Split so that ticks * 1e9 cannot overflow.
  return (ticks / CONTINUUM_CPU_HZ) * 1000000000u +
         (ticks % CONTINUUM_CPU_HZ) * 1000000000u / CONTINUUM_CPU_HZ;
}

void log(LogLevel level, const char* message) {
  static const char* const kPrefixes[] = {"engine debug: ", "engine info: ", "engine warn: ",
                                          "engine error: "};
  semihost_write0(kPrefixes[static_cast<int>(level)]);
  semihost_write0(message);
  semihost_write0("\n");
}

}  // namespace continuum::engine::port

// Named as CMSIS startup files name it, so a vector table finds it by name.
extern "C" void SysTick_Handler() {
  continuum::engine::port::g_systick_wraps = continuum::engine::port::g_systick_wraps + 1;
}
