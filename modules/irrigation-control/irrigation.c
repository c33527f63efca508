#include "irrigation.h"

void irrigation_default_config(IrrigationConfig* config) {
  config->sensor_count = 1;
  config->low = 25.0;
  config->high = 35.0;
  config->max_run_ms = 15 * 60 * 1000;
  config->rest_ms = 30 * 60 * 1000;
  config->dry_floor = 2.0;
  config->dry_ticks = 3;
}

void irrigation_init(Irrigation* irrigation, const IrrigationConfig* config) {
  irrigation->config = *config;
  irrigation->pump_on = 0;
  irrigation->on_since_ms = 0;
  irrigation->rest_until_ms = 0;
  for (int i = 0; i < IRR_MAX_SENSORS; ++i) irrigation->dry_run[i] = 0;
}

static SensorStatus classify(Irrigation* irr, int i, double value, int have) {
  if (!have) return SENSOR_MISSING;  // a gap neither starts nor ends a dry run
  if (!(value >= 0.0 && value <= 100.0)) return SENSOR_RANGE;  // also NaN
  if (value > irr->config.dry_floor) {
    irr->dry_run[i] = 0;
    return SENSOR_OK;
  }
  ++irr->dry_run[i];
  return irr->dry_run[i] >= irr->config.dry_ticks ? SENSOR_FAULTED : SENSOR_SUSPECT;
}

static void switch_pump(Irrigation* irr, int on, int64_t now_ms, PumpReason reason,
                        IrrigationDecision* d) {
  irr->pump_on = on;
  if (on) irr->on_since_ms = now_ms;
  d->reason = reason;
}

void irrigation_step(Irrigation* irr, int64_t now_ms, const double* reading, const int* have,
                     IrrigationDecision* d) {
  const IrrigationConfig* c = &irr->config;
  double sum = 0.0;
  d->valid_count = 0;
  for (int i = 0; i < c->sensor_count; ++i) {
    d->status[i] = classify(irr, i, reading[i], have[i]);
    if (d->status[i] == SENSOR_OK) {
      sum += reading[i];
      ++d->valid_count;
    }
  }
  d->control = d->valid_count > 0 ? sum / d->valid_count : 0.0;
  int was_on = irr->pump_on;

  if (d->valid_count == 0) {
    // Fail safe: a pump that runs on a broken sensor floods the field.
    switch_pump(irr, 0, now_ms, REASON_NO_VALID_SENSOR, d);
  } else if (irr->pump_on) {
    if (now_ms - irr->on_since_ms >= c->max_run_ms) {
      irr->rest_until_ms = now_ms + c->rest_ms;
      switch_pump(irr, 0, now_ms, REASON_MAX_RUN, d);
    } else if (d->control > c->high) {
      switch_pump(irr, 0, now_ms, REASON_ABOVE_HIGH, d);
    } else {
      d->reason = REASON_WATERING;
    }
  } else if (now_ms < irr->rest_until_ms) {
    d->reason = REASON_RESTING;
  } else if (d->control < c->low) {
    switch_pump(irr, 1, now_ms, REASON_BELOW_LOW, d);
  } else {
    d->reason = REASON_IDLE;
  }
  d->pump_on = irr->pump_on;
  d->changed = irr->pump_on != was_on;
  d->on_for_ms = irr->pump_on ? now_ms - irr->on_since_ms : 0;
}

void irrigation_pump_refused(Irrigation* irr, IrrigationDecision* d) {
  irr->pump_on = 0;
  d->pump_on = 0;
  d->changed = 0;
  d->on_for_ms = 0;
  d->reason = REASON_REFUSED;
}

#define IRR_NAME_ENTRY(name, text) text,
static const char* const kReasonNames[] = {IRR_PUMP_REASONS(IRR_NAME_ENTRY)};
static const char* const kStatusNames[] = {IRR_SENSOR_STATUSES(IRR_NAME_ENTRY)};
#undef IRR_NAME_ENTRY

const char* irrigation_reason_name(PumpReason reason) { return kReasonNames[reason]; }
const char* irrigation_status_name(SensorStatus status) { return kStatusNames[status]; }
