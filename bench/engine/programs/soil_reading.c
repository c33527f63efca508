/* The soil-filter hot path per reading, calling the module's own code
 * (modules/soil-filter/soil_filter.c): close the aggregation window if the
 * reading is past it, then judge and record the reading (z-score and
 * median/MAD outlier tests over the history window, EMA, moving average,
 * level-shift detection). Not included: the JSON of the reading and of the
 * output (bench_stage_cycle measures the whole delivery).
 *
 * Readings are deterministic: four sensors, one reading a minute each, a slow
 * drying trend with noise, a spike every 97 readings and a watering step
 * every 5,000, with the module's default configuration.
 *
 * Usage: soil_reading [readings]
 */
#include "bench_entry.h"
#include "../../../modules/soil-filter/soil_filter.c"

#define SENSORS 4

static int64_t run(long readings, long* outliers, long* shifts, long* windows) {
  FilterConfig config;
  filter_default_config(&config);
  Filter filters[SENSORS];
  for (int s = 0; s < SENSORS; ++s) filter_init(&filters[s], &config);
  uint32_t noise = 12345;
  uint64_t h = DIGEST_START;
  *outliers = *shifts = *windows = 0;
  for (long i = 0; i < readings; ++i) {
    int s = (int)(i % SENSORS);
    int64_t t_ms = (int64_t)(i / SENSORS) * 60000; /* long is 32 bits on wasm32 */
    noise = noise * 1664525u + 1013904223u;
    double value = 30.0 + s - (double)((i / SENSORS) % 5000) * 0.002 + (double)(noise >> 24) / 256.0 * 0.4;
    if (i % 97 == 0) value += 9.0;              /* a bad sample */
    if ((i / SENSORS) % 5000 >= 4990) value += 6.0; /* watering: a level shift */
    FilterAggregate aggregate;
    if (filter_close_window(&filters[s], t_ms, &aggregate)) {
      ++*windows;
      h = digest_add(h, aggregate.count * 1000 + aggregate.outliers);
      h = digest_add(h, (int64_t)(aggregate.mean * 1e6));
    }
    FilterSample sample;
    filter_add(&filters[s], t_ms, value, &sample);
    *outliers += sample.outlier;
    *shifts += sample.level_shift;
    h = digest_add(h, (int64_t)(sample.ema * 1e6));
    h = digest_add(h, (int64_t)(sample.robust_z * 1e6) * 4 + sample.outlier * 2 + sample.level_shift);
  }
  return (int64_t)h;
}

#ifdef BENCH_FREESTANDING
BENCH_EXPORT int64_t bench(void) {
  long outliers, shifts, windows;
  return run(BENCH_ARG, &outliers, &shifts, &windows);
}
#else
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  long readings = argc > 1 ? atol(argv[1]) : 1000000;
  long outliers, shifts, windows;
  int64_t digest = run(readings, &outliers, &shifts, &windows);
  printf("soil_reading readings=%ld sensors=%d\n", readings, SENSORS);
  printf("outliers=%ld level_shifts=%ld windows=%ld\n", outliers, shifts, windows);
  printf("digest=%lld\n", (long long)digest);
  return 0;
}
#endif
