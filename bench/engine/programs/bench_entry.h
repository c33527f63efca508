/* The two ways a hot-path program runs (guard_cycle.c, soil_reading.c):
 *
 *  - as a command (native, or wasm32-wasi under Node and `continuum run`):
 *    main() reads the count from argv and prints the results;
 *  - built with -DBENCH_FREESTANDING -DBENCH_ARG=N: no main, no stdio, so the
 *    module imports nothing (no WASI) and runs under wabt's wasm-interp
 *    (Debian's build has no WASI), which calls the exported `bench()` and
 *    prints its result; run.py compares that with the "digest=" line of the
 *    native build.
 */
#ifndef BENCH_ENTRY_H
#define BENCH_ENTRY_H
#include <stdint.h>

/* FNV-1a 64 of the results, step by step: the digest every build must agree on. */
static inline uint64_t digest_add(uint64_t h, int64_t v) {
  for (int i = 0; i < 8; ++i) {
    h ^= (uint64_t)(v >> (i * 8)) & 0xff;
    h *= 0x100000001b3ull;
  }
  return h;
}
#define DIGEST_START 0xcbf29ce484222325ull

#ifdef BENCH_FREESTANDING
#define BENCH_EXPORT __attribute__((export_name("bench")))
#endif
#endif
