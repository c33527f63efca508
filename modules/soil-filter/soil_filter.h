// Fog-tier filtering of soil-moisture readings, per sensor: exponential moving
// average, moving average over the last `window` accepted samples, anomaly
// detection (z-score and a robust median/MAD rule), and tumbling time windows
// with min, max, mean and count. Outliers are flagged and kept out of every
// average and of the aggregate (they are only counted there).
//
// Pure logic, no host calls, no allocation; module.c does the messaging.
#ifndef CONTINUUM_MODULES_SOIL_FILTER_H
#define CONTINUUM_MODULES_SOIL_FILTER_H

#include <stdint.h>

#define SF_MAX_WINDOW 32

typedef struct {
  double ema_alpha;        // weight of the newest sample, 0 < alpha <= 1
  int window;              // samples in the moving average and the detector history
  int min_history;         // the detector judges nothing before it has this many
  double z_limit;          // outlier if |x - mean| / sd exceeds this
  double mad_limit;        // outlier if |x - median| / (1.4826 MAD) exceeds this
  double min_spread;       // floor for sd and scaled MAD: a flat history would
                           // otherwise flag the smallest wobble
  int shift_after;         // this many outliers in a row are a level shift (e.g. the
                           // field was watered): the history restarts from them
  int64_t aggregate_ms;    // length of the aggregation windows
} FilterConfig;

typedef struct {
  double value;
  double ema, moving_average;  // after this sample (unchanged by an outlier)
  double z, robust_z;          // 0 until the history is long enough
  int outlier;
  int level_shift;             // this sample restarted the history
} FilterSample;

typedef struct {
  int64_t start_ms, end_ms;
  int count;       // accepted samples
  int outliers;
  double min, max, mean;
} FilterAggregate;

typedef struct {
  FilterConfig config;
  double history[SF_MAX_WINDOW];  // accepted samples, ring buffer
  int history_len, history_next;
  double recent_outliers[SF_MAX_WINDOW];  // the current run of outliers
  int64_t recent_outlier_ms[SF_MAX_WINDOW];
  int outlier_run;
  double ema;
  int has_ema;
  int64_t window_start_ms;  // -1: no window open
  int count, outliers;
  double min, max, sum;
} Filter;

void filter_default_config(FilterConfig* config);
void filter_init(Filter* filter, const FilterConfig* config);

// Closes the open window if `now_ms` is past its end; returns 1 and fills *out
// when a window with any sample in it closed.
int filter_close_window(Filter* filter, int64_t now_ms, FilterAggregate* out);

// Judges and records one sample taken at `t_ms`. Call filter_close_window(t_ms)
// first so that the sample lands in its own window.
void filter_add(Filter* filter, int64_t t_ms, double value, FilterSample* out);

#endif
