// The demo guest: the core of the robot-retrofit edge module, as a plain WASI
// program. It encodes poses of a KUKA KR 150-2 the way the KR C2 controller
// sends them over RS-232 (seven 9-byte frames per cycle), decodes them again
// with the same checks the edge module makes, computes the tool tip position
// with 4x4 homogeneous transforms and reports the distance to a point of
// interest, flagging a stop below the safety distance.
//
// Build: clang-19 --target=wasm32-wasi -O2 hello.c -lm -o hello.wasm
// Run:   continuum run hello.wasm [A1 A2 A3 A4 A5 A6]   (degrees, controller sense)
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AXES 7          // A1..A6 and the linear rail E1
#define FRAME_BYTES 9   // u32 axis number, sign byte, u32 magnitude in 1e-5 degrees

static const double kPointOfInterest[3] = {1680.0, 2000.0, 1499.0};  // mm
static const double kSafetyDistance = 1500.0;                        // mm
// Valid ranges in degrees (E1 is not checked).
static const double kMin[6] = {-185, -146, -119, -350, -125, -350};
static const double kMax[6] = {185, 0, 155, 350, 125, 350};

static void put_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t* p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

// What the controller sends for one cycle.
static void encode_cycle(const double degrees[AXES], uint8_t out[AXES * FRAME_BYTES]) {
  for (int axis = 0; axis < AXES; ++axis) {
    uint8_t* frame = out + axis * FRAME_BYTES;
    put_u32(frame, (uint32_t)(axis + 1));
    frame[4] = degrees[axis] < 0;
    put_u32(frame + 5, (uint32_t)llround(fabs(degrees[axis]) * 100000.0));
  }
}

// Decodes one cycle; returns 0 and fills degrees[], or -1 naming the bad frame.
static int decode_cycle(const uint8_t in[AXES * FRAME_BYTES], double degrees[AXES]) {
  for (int axis = 0; axis < AXES; ++axis) {
    const uint8_t* frame = in + axis * FRAME_BYTES;
    if (get_u32(frame) != (uint32_t)(axis + 1) || frame[4] > 1) {
      printf("  frame %d out of order or corrupt: cycle dropped\n", axis + 1);
      return -1;
    }
    double value = get_u32(frame + 5) / 100000.0;
    degrees[axis] = frame[4] ? -value : value;
    if (axis < 6 && (degrees[axis] < kMin[axis] || degrees[axis] > kMax[axis])) {
      printf("  A%d = %.2f deg is outside %.0f..%.0f: error value, not used\n", axis + 1,
             degrees[axis], kMin[axis], kMax[axis]);
      return -1;
    }
  }
  return 0;
}

typedef struct {
  double m[4][4];
} Mat4;

static Mat4 identity(void) {
  Mat4 r;
  memset(&r, 0, sizeof r);
  for (int i = 0; i < 4; ++i) r.m[i][i] = 1.0;
  return r;
}

static Mat4 multiply(const Mat4* a, const Mat4* b) {
  Mat4 r;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      double sum = 0;
      for (int k = 0; k < 4; ++k) sum += a->m[i][k] * b->m[k][j];
      r.m[i][j] = sum;
    }
  return r;
}

// A joint: translate by the link offset, then rotate by `radians` about `axis`
// (0 = x, 1 = y, 2 = z).
static Mat4 joint(double dx, double dy, double dz, int axis, double radians) {
  Mat4 r = identity();
  double c = cos(radians), s = sin(radians);
  int a = (axis + 1) % 3, b = (axis + 2) % 3;  // the plane the rotation acts in
  r.m[a][a] = c;
  r.m[a][b] = -s;
  r.m[b][a] = s;
  r.m[b][b] = c;
  r.m[0][3] = dx;
  r.m[1][3] = dy;
  r.m[2][3] = dz;
  return r;
}

// Tool tip in the base frame (mm). The controller's rotation sense is the
// opposite of the model's, hence the negation.
static void tip_position(const double degrees[AXES], double tip[3]) {
  double rad[6];
  for (int i = 0; i < 6; ++i) rad[i] = -degrees[i] * M_PI / 180.0;
  Mat4 t = joint(0, 0, 0, 1, rad[0]);  // A1 about the vertical y axis
  Mat4 links[] = {
      joint(350, 750, 0, 2, rad[1]),  // A2 about z
      joint(1250, 0, 0, 2, rad[2]),   // A3 about z
      joint(1100, 0, 0, 0, rad[3]),   // A4 about x
      joint(0, 0, 0, 2, rad[4]),      // A5 about z, same origin as A4
      joint(230, 0, 0, 0, 0),         // the tip
  };
  for (size_t i = 0; i < sizeof links / sizeof links[0]; ++i) t = multiply(&t, &links[i]);
  for (int i = 0; i < 3; ++i) tip[i] = t.m[i][3];
}

static void report(const char* label, const double pose[AXES]) {
  uint8_t wire[AXES * FRAME_BYTES];
  double decoded[AXES], tip[3];
  printf("%s: A1..A6 = %.1f %.1f %.1f %.1f %.1f %.1f deg\n", label, pose[0], pose[1], pose[2],
         pose[3], pose[4], pose[5]);
  encode_cycle(pose, wire);
  if (decode_cycle(wire, decoded) != 0) return;
  tip_position(decoded, tip);
  double d2 = 0;
  for (int i = 0; i < 3; ++i) d2 += (tip[i] - kPointOfInterest[i]) * (tip[i] - kPointOfInterest[i]);
  double distance = sqrt(d2);
  printf("  tip at (%.1f, %.1f, %.1f) mm, %.1f mm from the point of interest: %s\n", tip[0],
         tip[1], tip[2], distance, distance < kSafetyDistance ? "STOP" : "ok");
}

int main(int argc, char** argv) {
  printf("Continuum demo: KR C2 frames -> forward kinematics -> safety distance (%.0f mm)\n",
         kSafetyDistance);
  if (argc == 7) {
    double pose[AXES] = {0};
    for (int i = 0; i < 6; ++i) pose[i] = strtod(argv[i + 1], NULL);
    report("pose from the command line", pose);
    return 0;
  }
  const double poses[][AXES] = {
      {0, -90, 90, 0, 0, 0, 0},      // arm folded up
      {45, -60, 30, 0, 45, 0, 0},    // reaching towards the point of interest
      {0, -30, 10, 0, 0, 0, 0},      // stretched forward
      {200, -90, 90, 0, 0, 0, 0},    // A1 beyond its range: flagged, not used
  };
  char label[32];
  for (size_t i = 0; i < sizeof poses / sizeof poses[0]; ++i) {
    snprintf(label, sizeof label, "cycle %zu", i + 1);
    report(label, poses[i]);
  }
  return 0;
}
