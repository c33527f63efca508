// Pump control for one irrigation zone: hysteresis on soil moisture, a maximum
// run time with a rest afterwards, and a dry-sensor fault rule.
//
// Pure logic (no host calls); module.c reads the sensors, drives the pump and
// emits what this decides. Moisture is volumetric water content in percent.
#ifndef CONTINUUM_MODULES_IRRIGATION_H
#define CONTINUUM_MODULES_IRRIGATION_H

#include <stdint.h>

#define IRR_MAX_SENSORS 8

typedef struct {
  int sensor_count;
  double low;          // pump on below this (control value)
  double high;         // pump off above this
  int64_t max_run_ms;  // a run stops after this long even if the soil is still dry
  int64_t rest_ms;     // and the pump stays off this long afterwards (water soaks in)
  // Real soil never reads (almost) zero; a sensor pulled out of the ground or with
  // a broken wire does. Readings at or below dry_floor are never used, and a
  // sensor that gives dry_ticks of them in a row is reported as faulted.
  double dry_floor;
  int dry_ticks;
} IrrigationConfig;

// One list each for the enums and the names they are reported under.
#define IRR_SENSOR_STATUSES(X)                                                  \
  X(SENSOR_OK, "ok")                                                           \
  X(SENSOR_MISSING, "missing")   /* the host had no reading */                 \
  X(SENSOR_RANGE, "range")       /* outside 0..100 %: not a moisture value */  \
  X(SENSOR_SUSPECT, "suspect")   /* at or below dry_floor, not yet a fault */  \
  X(SENSOR_FAULTED, "faulted")   /* the dry-sensor fault rule fired */

#define IRR_PUMP_REASONS(X)                                                           \
  X(REASON_IDLE, "idle")                       /* off, no reason to water */          \
  X(REASON_BELOW_LOW, "below_low")             /* switched on this tick */            \
  X(REASON_WATERING, "watering")               /* stays on */                         \
  X(REASON_ABOVE_HIGH, "above_high")           /* switched off: wet enough */         \
  X(REASON_MAX_RUN, "max_run")                 /* switched off: ran too long */       \
  X(REASON_RESTING, "resting")                 /* off: rest after a maximum run */    \
  X(REASON_NO_VALID_SENSOR, "no_valid_sensor") /* off: nothing trustworthy */         \
  X(REASON_REFUSED, "refused")                 /* off: host safety limits said no */

#define IRR_ENUM_ENTRY(name, text) name,
typedef enum { IRR_SENSOR_STATUSES(IRR_ENUM_ENTRY) } SensorStatus;
typedef enum { IRR_PUMP_REASONS(IRR_ENUM_ENTRY) } PumpReason;
#undef IRR_ENUM_ENTRY

typedef struct {
  SensorStatus status[IRR_MAX_SENSORS];
  int valid_count;
  double control;      // mean of the valid readings (0 if none)
  int pump_on;         // state after this tick
  int changed;         // pump_on differs from the previous tick
  PumpReason reason;
  int64_t on_for_ms;   // how long the pump has been on (0 when off)
} IrrigationDecision;

typedef struct {
  IrrigationConfig config;
  int pump_on;
  int64_t on_since_ms;
  int64_t rest_until_ms;
  int dry_run[IRR_MAX_SENSORS];  // consecutive readings at or below dry_floor
} Irrigation;

void irrigation_default_config(IrrigationConfig* config);
void irrigation_init(Irrigation* irrigation, const IrrigationConfig* config);

// One control step at `now_ms`. have[i] == 0 means sensor i had no reading.
void irrigation_step(Irrigation* irrigation, int64_t now_ms, const double* reading,
                     const int* have, IrrigationDecision* decision);

// The host refused to switch the pump on (its safety limits): the pump is off.
void irrigation_pump_refused(Irrigation* irrigation, IrrigationDecision* decision);

const char* irrigation_reason_name(PumpReason reason);
const char* irrigation_status_name(SensorStatus status);

#endif
