/* Edge-style sensor stream processing: an exponential moving average, a
 * moving average over a window, and z-score anomaly flags, over a
 * deterministic pseudo-random signal with injected spikes.
 *
 * The signal is a slow triangle-wave drift plus uniform noise; every so often
 * a spike of several standard deviations is added. The detector flags a
 * sample whose distance from the window mean exceeds kZLimit window standard
 * deviations; the program reports how many spikes it caught and how many
 * flags were false alarms, plus a checksum of the filter outputs.
 *
 * Only + - * / and sqrt are used (all correctly rounded in IEEE 754), so the
 * native and wasm builds print identical results.
 *
 * Usage: stream_filter [samples]
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define WINDOW 64
#define EMA_ALPHA 0.05
#define Z_LIMIT 4.0
#define SPIKE_EVERY 997 /* a prime, so spikes drift against the window */

static uint32_t rng_state = 0x12345678u;

/* xorshift32: small, fast, identical on every target. */
static uint32_t next_random(void) {
  uint32_t x = rng_state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  rng_state = x;
  return x;
}

/* Uniform in [-1, 1). */
static double noise(void) { return (double)(next_random() >> 8) / 8388608.0 - 1.0; }

/* Triangle wave between -20 and 20 with a period of 20000 samples. */
static double drift(long i) {
  long p = i % 20000;
  double t = (double)(p < 10000 ? p : 20000 - p) / 10000.0;
  return 40.0 * t - 20.0;
}

typedef struct {
  double values[WINDOW];
  double sum;
  double sum_sq;
  int next;
  int count;
} Window;

static void window_push(Window* w, double x) {
  if (w->count == WINDOW) {
    double old = w->values[w->next];
    w->sum -= old;
    w->sum_sq -= old * old;
  } else {
    w->count++;
  }
  w->values[w->next] = x;
  w->sum += x;
  w->sum_sq += x * x;
  w->next = (w->next + 1) % WINDOW;
}

int main(int argc, char** argv) {
  long samples = argc > 1 ? atol(argv[1]) : 16000000;

  Window w = {{0}, 0.0, 0.0, 0, 0};
  double ema = 0.0;
  long spikes = 0, caught = 0, false_alarms = 0;
  double checksum = 0.0;
  double max_abs_z = 0.0;

  for (long i = 0; i < samples; i++) {
    double x = 100.0 + drift(i) + 2.0 * noise();
    int is_spike = (i % SPIKE_EVERY) == SPIKE_EVERY - 1;
    if (is_spike) {
      spikes++;
      /* 3 to 10 units against a noise deviation of about 1.15: the small
       * ones hide in the noise, which is what a real detector faces. */
      uint32_t r = next_random();
      double size = 3.0 + (double)(r % 8);
      x += (r & 0x100) ? size : -size;
    }

    ema = (i == 0) ? x : ema + EMA_ALPHA * (x - ema);

    /* Judge the sample against the window before it joins the window, so
     * that a spike does not inflate the statistics it is judged by. */
    int flagged = 0;
    if (w.count == WINDOW) {
      double mean = w.sum / WINDOW;
      double var = w.sum_sq / WINDOW - mean * mean;
      double sd = sqrt(var > 1e-12 ? var : 1e-12);
      double z = (x - mean) / sd;
      double az = z < 0 ? -z : z;
      if (az > max_abs_z) max_abs_z = az;
      flagged = az > Z_LIMIT;
      checksum += mean * 1e-3 + z * 1e-6;
    }
    if (flagged && is_spike) caught++;
    if (flagged && !is_spike) false_alarms++;

    /* A flagged sample is replaced by the EMA so the window stays clean. */
    window_push(&w, flagged ? ema : x);
    checksum += ema * 1e-4;
  }

  printf("stream_filter samples=%ld window=%d\n", samples, WINDOW);
  printf("spikes=%ld caught=%ld false_alarms=%ld\n", spikes, caught, false_alarms);
  printf("final ema=%.9f max|z|=%.6f\n", ema, max_abs_z);
  printf("checksum=%.9f\n", checksum);
  return 0;
}
