/* Forward kinematics of a 6-axis robot (the KUKA KR 150-2 model of
 * docs in /work/shared/design/krc2.md) over a deterministic trajectory.
 *
 * Each cycle takes six joint angles in degrees as the controller reports
 * them, negates them (the controller's rotation sense is the opposite of the
 * model's), converts them to radians, chains 4x4 homogeneous transforms from
 * the base to the tool tip and measures the distance from the tip to a point
 * of interest. This is the per-cycle work of the collision module.
 *
 * sin/cos are computed here rather than taken from libm so that the native
 * build and the wasm builds run the same arithmetic and print bit-identical
 * results (glibc and wasi-libc may differ in the last ulp).
 *
 * Usage: kinematics [cycles]
 */
#include <inttypes.h>
#include <math.h> /* sqrt only: correctly rounded on every target */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define PI 3.14159265358979323846

typedef struct {
  double m[4][4];
} Mat4;

/* sin and cos of r for |r| <= pi/4: Taylor series to the degree where the
 * next term is below double precision on that interval. */
static double sin_small(double r) {
  double r2 = r * r;
  return r * (1.0 + r2 * (-1.0 / 6 + r2 * (1.0 / 120 + r2 * (-1.0 / 5040 + r2 * (1.0 / 362880 +
         r2 * (-1.0 / 39916800 + r2 * (1.0 / 6227020800.0)))))));
}

static double cos_small(double r) {
  double r2 = r * r;
  return 1.0 + r2 * (-0.5 + r2 * (1.0 / 24 + r2 * (-1.0 / 720 + r2 * (1.0 / 40320 +
         r2 * (-1.0 / 3628800 + r2 * (1.0 / 479001600.0 + r2 * (-1.0 / 87178291200.0)))))));
}

/* Reduces x by the nearest multiple of pi/2 (two-part constant so the
 * reduction stays accurate for the few turns a joint can make) and picks the
 * quadrant. */
static void sincos_own(double x, double* s, double* c) {
  const double pio2_hi = 1.57079632673412561417e+00;
  const double pio2_lo = 6.07710050650619224932e-11;
  double kf = x * (2.0 / PI);
  int64_t k = (int64_t)(kf < 0 ? kf - 0.5 : kf + 0.5);
  double r = (x - (double)k * pio2_hi) - (double)k * pio2_lo;
  double sr = sin_small(r), cr = cos_small(r);
  switch ((int)(k & 3)) {
    case 0: *s = sr; *c = cr; break;
    case 1: *s = cr; *c = -sr; break;
    case 2: *s = -sr; *c = -cr; break;
    default: *s = -cr; *c = sr; break;
  }
}

static void identity(Mat4* t) {
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++) t->m[i][j] = (i == j) ? 1.0 : 0.0;
}

static void mul(const Mat4* a, const Mat4* b, Mat4* out) {
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++) {
      double s = 0.0;
      for (int k = 0; k < 4; k++) s += a->m[i][k] * b->m[k][j];
      out->m[i][j] = s;
    }
}

/* Translation (dx, dy, dz) followed by a rotation by `rad` about one axis:
 * the link offset from the previous joint, then the joint itself. */
enum Axis { AXIS_X, AXIS_Y, AXIS_Z };

static void joint(enum Axis axis, double rad, double dx, double dy, double dz, Mat4* t) {
  double s, c;
  sincos_own(rad, &s, &c);
  identity(t);
  switch (axis) {
    case AXIS_X:
      t->m[1][1] = c; t->m[1][2] = -s;
      t->m[2][1] = s; t->m[2][2] = c;
      break;
    case AXIS_Y:
      t->m[0][0] = c; t->m[0][2] = s;
      t->m[2][0] = -s; t->m[2][2] = c;
      break;
    case AXIS_Z:
      t->m[0][0] = c; t->m[0][1] = -s;
      t->m[1][0] = s; t->m[1][1] = c;
      break;
  }
  t->m[0][3] = dx;
  t->m[1][3] = dy;
  t->m[2][3] = dz;
}

/* Base-to-tool transform for angles in degrees as the controller reports them. */
static void forward(const double deg[6], Mat4* tool) {
  static const enum Axis axes[6] = {AXIS_Y, AXIS_Z, AXIS_Z, AXIS_X, AXIS_Z, AXIS_X};
  /* Offset of each joint's origin from the previous one, mm. A4 and A5
   * share an origin; A6 is the flange rotation at the tip. */
  static const double offsets[6][3] = {
      {0, 0, 0}, {350, 750, 0}, {1250, 0, 0}, {1100, 0, 0}, {0, 0, 0}, {230, 0, 0}};
  Mat4 acc, step, next;
  identity(&acc);
  for (int i = 0; i < 6; i++) {
    double rad = -deg[i] * (PI / 180.0);
    joint(axes[i], rad, offsets[i][0], offsets[i][1], offsets[i][2], &step);
    mul(&acc, &step, &next);
    acc = next;
  }
  *tool = acc;
}

/* Joint limits (degrees) from the controller documentation; the trajectory
 * sweeps 90 % of each range with a different period per axis. */
static const double kLow[6] = {-185, -146, -119, -350, -125, -350};
static const double kHigh[6] = {185, 0, 155, 350, 125, 350};
static const double kPeriod[6] = {5003, 3001, 2003, 7001, 1009, 11003};

int main(int argc, char** argv) {
  long cycles = argc > 1 ? atol(argv[1]) : 1000000;
  const double target[3] = {1680.0, 2000.0, 1499.0};
  const double safety_mm = 1500.0;

  double min_dist = 1e300;
  long min_cycle = -1;
  long inside = 0;
  double checksum = 0.0;
  for (long c = 0; c < cycles; c++) {
    double deg[6];
    for (int i = 0; i < 6; i++) {
      double s, unused;
      sincos_own(2.0 * PI * (double)(c % (long)kPeriod[i]) / kPeriod[i] + i, &s, &unused);
      double mid = 0.5 * (kLow[i] + kHigh[i]);
      double half = 0.45 * (kHigh[i] - kLow[i]);
      deg[i] = mid + half * s;
    }
    Mat4 tool;
    forward(deg, &tool);
    double dx = tool.m[0][3] - target[0];
    double dy = tool.m[1][3] - target[1];
    double dz = tool.m[2][3] - target[2];
    double dist = sqrt(dx * dx + dy * dy + dz * dz);
    if (dist < min_dist) {
      min_dist = dist;
      min_cycle = c;
    }
    if (dist < safety_mm) inside++;
    checksum += tool.m[0][3] + tool.m[1][3] + tool.m[2][3] + tool.m[0][0] + tool.m[2][2];
  }

  Mat4 home;
  const double zero[6] = {0, 0, 0, 0, 0, 0};
  forward(zero, &home);
  printf("kinematics cycles=%ld\n", cycles);
  printf("home tip = (%.3f, %.3f, %.3f) mm\n", home.m[0][3], home.m[1][3], home.m[2][3]);
  printf("min distance = %.6f mm at cycle %ld\n", min_dist, min_cycle);
  printf("cycles within %.0f mm = %ld\n", safety_mm, inside);
  printf("checksum = %.6f\n", checksum);
  return 0;
}
