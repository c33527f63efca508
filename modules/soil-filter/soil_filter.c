#include "soil_filter.h"

// No libm in module builds: __builtin_sqrt is the wasm instruction there and the
// CPU instruction natively, correctly rounded in both.

void filter_default_config(FilterConfig* config) {
  config->ema_alpha = 0.2;
  config->window = 12;
  config->min_history = 5;
  config->z_limit = 3.0;
  config->mad_limit = 3.5;
  config->min_spread = 0.5;
  config->shift_after = 3;
  config->aggregate_ms = 10 * 60 * 1000;
}

void filter_init(Filter* f, const FilterConfig* config) {
  f->config = *config;
  if (f->config.window < 1) f->config.window = 1;
  if (f->config.window > SF_MAX_WINDOW) f->config.window = SF_MAX_WINDOW;
  if (f->config.shift_after > SF_MAX_WINDOW) f->config.shift_after = SF_MAX_WINDOW;
  f->history_len = f->history_next = 0;
  f->outlier_run = 0;
  f->ema = 0.0;
  f->has_ema = 0;
  f->window_start_ms = -1;
  f->count = f->outliers = 0;
  f->min = f->max = f->sum = 0.0;
}

static void push_history(Filter* f, double value) {
  f->history[f->history_next] = value;
  f->history_next = (f->history_next + 1) % f->config.window;
  if (f->history_len < f->config.window) ++f->history_len;
}

static double history_mean(const Filter* f) {
  double sum = 0.0;
  for (int i = 0; i < f->history_len; ++i) sum += f->history[i];
  return sum / f->history_len;
}

// Insertion sort of a copy: the window is at most SF_MAX_WINDOW samples.
static double median_of(const double* values, int n) {
  double sorted[SF_MAX_WINDOW];
  for (int i = 0; i < n; ++i) {
    int j = i;
    for (; j > 0 && sorted[j - 1] > values[i]; --j) sorted[j] = sorted[j - 1];
    sorted[j] = values[i];
  }
  return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
}

static void score(const Filter* f, double x, FilterSample* out) {
  int n = f->history_len;
  double mean = history_mean(f);
  double var = 0.0;
  for (int i = 0; i < n; ++i) var += (f->history[i] - mean) * (f->history[i] - mean);
  double sd = __builtin_sqrt(var / n);
  double median = median_of(f->history, n);
  double deviation[SF_MAX_WINDOW];
  for (int i = 0; i < n; ++i) deviation[i] = __builtin_fabs(f->history[i] - median);
  // 1.4826 makes the MAD estimate the standard deviation of normal data.
  double robust_sd = 1.4826 * median_of(deviation, n);
  double floor = f->config.min_spread;
  out->z = __builtin_fabs(x - mean) / (sd > floor ? sd : floor);
  out->robust_z = __builtin_fabs(x - median) / (robust_sd > floor ? robust_sd : floor);
}

// The sample becomes part of the history and the averages.
static void learn(Filter* f, double x) {
  push_history(f, x);
  f->ema = f->has_ema ? f->config.ema_alpha * x + (1.0 - f->config.ema_alpha) * f->ema : x;
  f->has_ema = 1;
}

// The sample counts in the open aggregation window.
static void count(Filter* f, double x) {
  if (f->count == 0 || x < f->min) f->min = x;
  if (f->count == 0 || x > f->max) f->max = x;
  f->sum += x;
  ++f->count;
}

void filter_add(Filter* f, int64_t t_ms, double x, FilterSample* out) {
  const FilterConfig* c = &f->config;
  if (f->window_start_ms < 0) f->window_start_ms = t_ms - t_ms % c->aggregate_ms;
  out->value = x;
  out->z = out->robust_z = 0.0;
  out->level_shift = 0;
  int outlier = 0;
  if (f->history_len >= c->min_history) {
    score(f, x, out);
    outlier = out->z > c->z_limit || out->robust_z > c->mad_limit;
  }
  out->outlier = 0;
  if (!outlier) {
    f->outlier_run = 0;
    learn(f, x);
    count(f, x);
  } else if (f->outlier_run + 1 >= c->shift_after) {
    // The run of "outliers" is the new normal: restart history and averages
    // from it. Those in the open window turn from outliers into data; those in
    // an earlier window were reported as outliers there and stay so.
    f->history_len = f->history_next = 0;
    f->has_ema = 0;
    for (int i = 0; i < f->outlier_run; ++i) {
      learn(f, f->recent_outliers[i]);
      if (f->recent_outlier_ms[i] >= f->window_start_ms) {
        count(f, f->recent_outliers[i]);
        --f->outliers;
      }
    }
    learn(f, x);
    count(f, x);
    f->outlier_run = 0;
    out->level_shift = 1;
  } else {
    f->recent_outliers[f->outlier_run] = x;
    f->recent_outlier_ms[f->outlier_run++] = t_ms;
    ++f->outliers;
    out->outlier = 1;
  }
  out->ema = f->ema;
  out->moving_average = f->history_len ? history_mean(f) : x;
}

int filter_close_window(Filter* f, int64_t now_ms, FilterAggregate* out) {
  if (f->window_start_ms < 0 || now_ms < f->window_start_ms + f->config.aggregate_ms) return 0;
  int had_samples = f->count + f->outliers > 0;
  out->start_ms = f->window_start_ms;
  out->end_ms = f->window_start_ms + f->config.aggregate_ms;
  out->count = f->count;
  out->outliers = f->outliers;
  out->min = f->min;
  out->max = f->max;
  out->mean = f->count ? f->sum / f->count : 0.0;
  f->window_start_ms = now_ms - now_ms % f->config.aggregate_ms;
  f->count = f->outliers = 0;
  f->min = f->max = f->sum = 0.0;
  return had_samples;
}
