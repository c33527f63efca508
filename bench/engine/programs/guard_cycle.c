/* The collision-guard hot path per robot cycle, calling the module's own code
 * (modules/collision-guard/c/guard.c): forward kinematics of the KR 150-2 to
 * the tool tip, the distance to each point of interest, the unsafe flag with
 * hysteresis and the stop decision (guard_step). Not included: the JSON of the
 * cycle and of the reading (bench_stage_cycle measures the whole delivery).
 *
 * The trajectory is deterministic: each axis sweeps back and forth around the
 * prototype's approach pose, through the safety distance of the first point,
 * in controller units (1e-5 degree), as krc2-decode hands them on. The points
 * are those of modules/collision-guard/traces/approach.config.json.
 *
 * Usage: guard_cycle [cycles]
 */
#include "bench_entry.h"
#include "../../../modules/collision-guard/c/guard.c"

static int64_t run(long cycles, long* stops, long* unsafe_cycles, double* min_seen) {
  GuardConfig config;
  guard_default_config(&config);
  config.point_count = 2;
  config.points[1][0] = -1400.0;
  config.points[1][1] = 1200.0;
  config.points[1][2] = 900.0;
  Guard guard;
  guard_init(&guard, &config);
  /* Pose and sweep amplitude per axis (1e-5 degree), periods in cycles. */
  static const int64_t base[6] = {2500000, -7500000, 8000000, 0, 0, 0};
  static const int64_t amplitude[6] = {9000000, 1500000, 1200000, 900000, 1500000, 3000000};
  static const long period[6] = {1200, 1500, 900, 700, 1100, 500};
  uint64_t h = DIGEST_START;
  *stops = *unsafe_cycles = 0;
  *min_seen = 1e300;
  for (long i = 0; i < cycles; ++i) {
    int64_t angle[6];
    for (int a = 0; a < 6; ++a) {
      long phase = i % (2 * period[a]);
      long tri = phase < period[a] ? phase : 2 * period[a] - phase; /* 0..period */
      angle[a] = base[a] + amplitude[a] * tri / period[a] - amplitude[a] / 2;
    }
    GuardReading r;
    guard_step(&guard, angle, &r);
    *stops += r.stop;
    *unsafe_cycles += r.unsafe;
    if (r.min_distance < *min_seen) *min_seen = r.min_distance;
    /* Rounded to 0.1 mm as the module reports them. */
    h = digest_add(h, guard_round(r.tip[0] * 10.0));
    h = digest_add(h, guard_round(r.min_distance * 10.0));
    h = digest_add(h, r.nearest * 4 + r.unsafe * 2 + r.stop);
  }
  return (int64_t)h;
}

#ifdef BENCH_FREESTANDING
BENCH_EXPORT int64_t bench(void) {
  long stops, unsafe_cycles;
  double min_seen;
  return run(BENCH_ARG, &stops, &unsafe_cycles, &min_seen);
}
#else
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  long cycles = argc > 1 ? atol(argv[1]) : 1000000;
  long stops, unsafe_cycles;
  double min_seen;
  int64_t digest = run(cycles, &stops, &unsafe_cycles, &min_seen);
  printf("guard_cycle cycles=%ld\n", cycles);
  printf("stops=%ld unsafe_cycles=%ld min distance=%.1f mm\n", stops, unsafe_cycles,
         (double)guard_round(min_seen * 10.0) / 10.0);
  printf("digest=%lld\n", (long long)digest);
  return 0;
}
#endif
