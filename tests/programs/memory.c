// The guest's allocator under load: a few MB of malloc/calloc/realloc/free in
// a deterministic pattern, with every block's contents checked, so memory.grow
// and loads/stores across the whole heap are exercised.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 512

static uint32_t rng_state = 12345;
static uint32_t next_random(void) {
  rng_state = rng_state * 1103515245u + 12345u;
  return rng_state >> 8;
}

static void fill(unsigned char* p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; ++i) p[i] = (unsigned char)(seed + i * 31);
}

static int check(const unsigned char* p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != (unsigned char)(seed + i * 31)) return 0;
  }
  return 1;
}

int main(void) {
  unsigned char* blocks[SLOTS] = {0};
  size_t sizes[SLOTS] = {0};
  unsigned seeds[SLOTS] = {0};
  size_t live = 0, peak = 0, allocations = 0, reallocations = 0, bad = 0;

  for (int round = 0; round < 5000; ++round) {
    int slot = (int)(next_random() % SLOTS);
    if (blocks[slot] == NULL) {
      size_t n = 1 + next_random() % 16384;
      blocks[slot] = (round % 3 == 0) ? calloc(n, 1) : malloc(n);
      if (blocks[slot] == NULL) { printf("malloc failed\n"); return 1; }
      if (round % 3 == 0) {
        for (size_t i = 0; i < n; ++i) bad += blocks[slot][i] != 0;
      }
      sizes[slot] = n;
      seeds[slot] = next_random();
      fill(blocks[slot], n, seeds[slot]);
      live += n;
      ++allocations;
    } else if (next_random() % 4 == 0) {
      // Grow or shrink; the kept prefix must survive the move.
      size_t n = 1 + next_random() % 65536;
      size_t keep = n < sizes[slot] ? n : sizes[slot];
      unsigned char* p = realloc(blocks[slot], n);
      if (p == NULL) { printf("realloc failed\n"); return 1; }
      bad += !check(p, keep, seeds[slot]);
      live = live - sizes[slot] + n;
      blocks[slot] = p;
      sizes[slot] = n;
      fill(p, n, seeds[slot]);
      ++reallocations;
    } else {
      bad += !check(blocks[slot], sizes[slot], seeds[slot]);
      free(blocks[slot]);
      live -= sizes[slot];
      blocks[slot] = NULL;
    }
    if (live > peak) peak = live;
  }

  // One big block of several MB, written and summed.
  size_t big_n = 4u << 20;
  uint32_t* big = malloc(big_n);
  if (big == NULL) { printf("big malloc failed\n"); return 1; }
  for (size_t i = 0; i < big_n / 4; ++i) big[i] = (uint32_t)(i * 2654435761u);
  uint64_t sum = 0;
  for (size_t i = 0; i < big_n / 4; ++i) sum += big[i] >> 7;
  big = realloc(big, big_n * 2);
  if (big == NULL) { printf("big realloc failed\n"); return 1; }
  memset((char*)big + big_n, 0xAB, big_n);
  sum += ((unsigned char*)big)[big_n * 2 - 1] + big[123456];
  free(big);

  for (int i = 0; i < SLOTS; ++i) {
    if (blocks[i]) bad += !check(blocks[i], sizes[i], seeds[i]);
    free(blocks[i]);
  }
  printf("allocations=%zu reallocations=%zu peak_live_bytes=%zu corrupt=%zu\n", allocations,
         reallocations, peak, bad);
  printf("big block checksum=%llu\n", (unsigned long long)sum);
  return bad == 0 ? 0 : 1;
}
