#include "arena_check.h"

#include <stdint.h>
#include <string.h>

#include "semihosting.h"

namespace firmware {
namespace {

struct Block {
  uint8_t* ptr = nullptr;
  size_t size = 0;
  size_t align = 0;
  uint8_t fill = 0;
};

// xorshift32: a fixed sequence, so a failure reproduces.
uint32_t next_random(uint32_t& state) {
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return state;
}

bool intact(const Block& b) {
  for (size_t i = 0; i < b.size; ++i)
    if (b.ptr[i] != static_cast<uint8_t>(b.fill + i)) return false;
  return true;
}

void paint(Block& b, uint8_t fill) {
  b.fill = fill;
  for (size_t i = 0; i < b.size; ++i) b.ptr[i] = static_cast<uint8_t>(fill + i);
}

}  // namespace

size_t largest_block(continuum::engine::Allocator& heap) {
  size_t low = 0;             // known to fit
  size_t high = 64u << 20;    // more than the board has
  while (high - low > 8) {
    size_t mid = low + (high - low) / 2;
    void* p = heap.allocate(mid, 8);
    if (p != nullptr) {
      heap.deallocate(p, mid, 8);
      low = mid;
    } else {
      high = mid;
    }
  }
  return low;
}

bool arena_workout(continuum::engine::Allocator& heap) {
  constexpr int kSlots = 48;
  constexpr int kRounds = 3000;
  static const size_t kAligns[] = {1, 4, 8, 16, 64};
  Block blocks[kSlots];
  uint32_t state = 0x9E3779B9u;
  bool ok = true;
  for (int round = 0; round < kRounds && ok; ++round) {
    Block& b = blocks[next_random(state) % kSlots];
    uint32_t r = next_random(state);
    if (b.ptr != nullptr && !intact(b)) {
      print("arena workout: a block's contents changed\n");
      ok = false;
    } else if (b.ptr == nullptr) {
      b.size = r % 700;
      b.align = kAligns[(r >> 12) % 5];
      b.ptr = static_cast<uint8_t*>(heap.allocate(b.size, b.align));
      if (b.ptr == nullptr) continue;
      if (reinterpret_cast<uintptr_t>(b.ptr) % b.align != 0) {
        print("arena workout: misaligned block\n");
        ok = false;
      }
      paint(b, static_cast<uint8_t>(r >> 20));
    } else if ((r & 3) == 0) {
      // Grow or shrink; the common prefix must survive.
      size_t new_size = (r >> 4) % 1400;
      void* p = heap.reallocate(b.ptr, b.size, new_size, b.align);
      if (p == nullptr) continue;
      b.ptr = static_cast<uint8_t*>(p);
      size_t kept = b.size < new_size ? b.size : new_size;
      Block prefix = b;
      prefix.size = kept;
      if (!intact(prefix)) {
        print("arena workout: reallocate lost contents\n");
        ok = false;
      }
      b.size = new_size;
      paint(b, static_cast<uint8_t>(r >> 24));
    } else {
      heap.deallocate(b.ptr, b.size, b.align);
      b.ptr = nullptr;
    }
  }
  for (Block& b : blocks) {
    if (b.ptr == nullptr) continue;
    if (ok && !intact(b)) {
      print("arena workout: a block's contents changed\n");
      ok = false;
    }
    heap.deallocate(b.ptr, b.size, b.align);
  }
  return ok;
}

}  // namespace firmware
