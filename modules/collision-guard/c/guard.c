#include "guard.h"

// The same arithmetic, operation by operation, in the C, Rust and AssemblyScript
// builds: no libm (their sin/cos differ in the last bit between libraries), no
// fused multiply-add (the native build is compiled with -ffp-contract=off).
#define PI 3.141592653589793
#define TWO_OVER_PI 0.6366197723675814
// pi/2 split in two so that k * PIO2_HI is exact for the small k seen here.
#define PIO2_HI 1.5707963267341256
#define PIO2_LO 6.077100506506192e-11

// Taylor series of sin and cos on [-pi/4, pi/4]; terms to r^17 and r^16 keep
// the truncation error under one unit in the last place.
static double sin_kernel(double r) {
  double r2 = r * r;
  double p = 2.8114572543455206e-15;
  p = -7.647163731819816e-13 + r2 * p;
  p = 1.6059043836821613e-10 + r2 * p;
  p = -2.505210838544172e-08 + r2 * p;
  p = 2.7557319223985893e-06 + r2 * p;
  p = -0.0001984126984126984 + r2 * p;
  p = 0.008333333333333333 + r2 * p;
  p = -0.16666666666666666 + r2 * p;
  return r + r * r2 * p;
}

static double cos_kernel(double r) {
  double r2 = r * r;
  double p = 4.779477332387385e-14;
  p = -1.1470745597729725e-11 + r2 * p;
  p = 2.08767569878681e-09 + r2 * p;
  p = -2.755731922398589e-07 + r2 * p;
  p = 2.48015873015873e-05 + r2 * p;
  p = -0.001388888888888889 + r2 * p;
  p = 0.041666666666666664 + r2 * p;
  p = -0.5 + r2 * p;
  return 1.0 + r2 * p;
}

// sin and cos of x (|x| up to a few turns): x = k * pi/2 + r, then the kernels
// of r by the quadrant k mod 4.
static void sin_cos(double x, double* sin_out, double* cos_out) {
  double y = x * TWO_OVER_PI;
  int64_t k = y >= 0.0 ? (int64_t)(y + 0.5) : -(int64_t)(0.5 - y);
  double kd = (double)k;
  double r = (x - kd * PIO2_HI) - kd * PIO2_LO;
  double s = sin_kernel(r), c = cos_kernel(r);
  switch (k & 3) {
    case 0: *sin_out = s; *cos_out = c; break;
    case 1: *sin_out = c; *cos_out = -s; break;
    case 2: *sin_out = -s; *cos_out = -c; break;
    default: *sin_out = -c; *cos_out = s; break;
  }
}

typedef struct {
  double m[4][4];
} Mat4;

// Translation by the link offset, then rotation by `radians` about `axis`
// (0 = x, 1 = y, 2 = z); the model's joint transform.
static Mat4 joint(double dx, double dy, double dz, int axis, double radians) {
  Mat4 r;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) r.m[i][j] = i == j ? 1.0 : 0.0;
  double s, c;
  sin_cos(radians, &s, &c);
  int a = (axis + 1) % 3, b = (axis + 2) % 3;  // the plane the rotation turns
  r.m[a][a] = c;
  r.m[a][b] = -s;
  r.m[b][a] = s;
  r.m[b][b] = c;
  r.m[0][3] = dx;
  r.m[1][3] = dy;
  r.m[2][3] = dz;
  return r;
}

static Mat4 multiply(const Mat4* a, const Mat4* b) {
  Mat4 r;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      double sum = 0.0;
      for (int k = 0; k < 4; ++k) sum = sum + a->m[i][k] * b->m[k][j];
      r.m[i][j] = sum;
    }
  return r;
}

void guard_tip(const int64_t angle[6], double tip[3]) {
  double rad[6];
  // The controller turns the opposite way to the model.
  for (int i = 0; i < 6; ++i) rad[i] = -((double)angle[i] / 100000.0) * PI / 180.0;
  Mat4 t = joint(0, 0, 0, 1, rad[0]);  // A1 about the vertical y axis
  const Mat4 links[5] = {
      joint(350, 750, 0, 2, rad[1]),  // A2 about z
      joint(1250, 0, 0, 2, rad[2]),   // A3 about z
      joint(1100, 0, 0, 0, rad[3]),   // A4 about x
      joint(0, 0, 0, 2, rad[4]),      // A5 about z, same origin as A4
      joint(230, 0, 0, 0, 0.0),       // the tip (A6 turns the flange, not the tip point)
  };
  for (int i = 0; i < 5; ++i) t = multiply(&t, &links[i]);
  for (int i = 0; i < 3; ++i) tip[i] = t.m[i][3];
}

int64_t guard_round(double v) {
  double shifted = v + 0.5;
  int64_t truncated = (int64_t)shifted;
  return (double)truncated > shifted ? truncated - 1 : truncated;
}

void guard_default_config(GuardConfig* config) {
  config->point_count = 1;
  config->points[0][0] = 1680.0;
  config->points[0][1] = 2000.0;
  config->points[0][2] = 1499.0;
  config->safety_mm = 1500.0;
  config->hysteresis_mm = 100.0;
}

void guard_init(Guard* guard, const GuardConfig* config) {
  guard->config = *config;
  guard->unsafe = 0;
  guard->below = 0;
}

void guard_step(Guard* guard, const int64_t angle[6], GuardReading* reading) {
  const GuardConfig* c = &guard->config;
  guard_tip(angle, reading->tip);
  reading->nearest = 0;
  reading->min_distance = 0.0;
  for (int p = 0; p < c->point_count; ++p) {
    double dx = reading->tip[0] - c->points[p][0];
    double dy = reading->tip[1] - c->points[p][1];
    double dz = reading->tip[2] - c->points[p][2];
    double d = __builtin_sqrt(dx * dx + dy * dy + dz * dz);  // exact rounding everywhere
    reading->distance[p] = d;
    if (p == 0 || d < reading->min_distance) {
      reading->min_distance = d;
      reading->nearest = p;
    }
  }
  double d = reading->min_distance;
  int below = d < c->safety_mm;
  if (below)
    guard->unsafe = 1;
  else if (d > c->safety_mm + c->hysteresis_mm)
    guard->unsafe = 0;
  reading->unsafe = guard->unsafe;
  reading->stop = below && !guard->below;
  guard->below = below;
}
