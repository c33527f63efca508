// Collision guard for the KUKA KR 150-2 (krc2.md): forward kinematics of the
// prototype's model, distance from the tool tip to configured points, an unsafe
// flag with hysteresis and the decision to send a stop.
//
// Pure logic, no host calls. The Rust (../rust) and AssemblyScript (../as)
// versions implement exactly the same arithmetic in the same order, so that all
// three produce identical output; change them together.
#ifndef CONTINUUM_MODULES_COLLISION_GUARD_H
#define CONTINUUM_MODULES_COLLISION_GUARD_H

#include <stdint.h>

#define GUARD_MAX_POINTS 8

typedef struct {
  double points[GUARD_MAX_POINTS][3];  // points of interest, mm, base frame
  int point_count;
  double safety_mm;      // stop when the tip comes closer than this
  double hysteresis_mm;  // the unsafe flag clears only beyond safety_mm + hysteresis_mm
} GuardConfig;

typedef struct {
  double tip[3];                       // mm
  double distance[GUARD_MAX_POINTS];   // mm, one per point
  double min_distance;
  int nearest;                         // index of the nearest point
  int unsafe;                          // flag after this cycle
  int stop;                            // 1: write the stop command now
} GuardReading;

typedef struct {
  GuardConfig config;
  int unsafe;  // reported flag, with hysteresis so that it does not flap
  int below;   // the previous cycle was closer than safety_mm
} Guard;

// floor(v + 0.5) from truncation alone, so that every build (C, Rust without
// std, AssemblyScript) rounds the same way.
int64_t guard_round(double v);

// The prototype's configuration: one point (1680, 2000, 1499), 1500 mm.
void guard_default_config(GuardConfig* config);
void guard_init(Guard* guard, const GuardConfig* config);

// Tool tip position (mm) for controller angles A1..A6 in 1e-5 degree.
void guard_tip(const int64_t angle[6], double tip[3]);

// One cycle. A stop is sent exactly when the distance falls below the safety
// distance (this cycle below, the previous one not), also when the unsafe flag is
// still held by its hysteresis: the robot may have been restarted in between,
// and a stop to a stopped robot costs nothing.
void guard_step(Guard* guard, const int64_t angle[6], GuardReading* reading);

#endif
