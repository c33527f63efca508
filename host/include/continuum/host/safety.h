// Actuator safety limits the host enforces whatever a module does.
//
// Pump ("pump:NAME:max_on=MS,window=MS,min_off=MS"): within each fixed window
// of WINDOW ms (windows start at monotonic time 0) the pump may be on for at
// most MAX_ON ms in total; once off it stays off for at least MIN_OFF ms. A
// request to switch on that would break either rule is refused (UNSAFE); a
// pump that reaches MAX_ON while on is switched off by the host itself at the
// next delivery or tick (so ticks must come at least as often as the
// precision wanted). Switching off is always allowed.
//
// Stop latch ("stop:NAME"): any non-zero value raises the stop; setting 0
// withdraws it, except in the same cycle (one init/message/tick delivery)
// that raised it, so one faulty handler cannot raise and clear a stop in a
// single pass.
#pragma once

#include <stdint.h>

#include <string>
#include <string_view>
#include <vector>

namespace continuum::host {

struct PumpLimit {
  std::string actuator;
  int64_t max_on_us = 0;
  int64_t window_us = 0;
  int64_t min_off_us = 0;
};

struct StopLatch {
  std::string actuator;
};

// What the limits decided about one actuator_set.
enum class SafetyVerdict : uint8_t { Allow, Refuse };

class SafetyLimits {
 public:
  // Parses one "pump:..." or "stop:..." spec; false + *error if malformed.
  bool add(std::string_view spec, std::string* error);
  void add_pump(const PumpLimit& limit);
  void add_stop_latch(const StopLatch& latch);

  // Decides on a request and, when allowed, records its effect.
  SafetyVerdict request(std::string_view actuator, double value, int64_t now_us, uint64_t cycle);
  // Advances time; returns the pumps the host must switch off now because
  // they used up their on-time (their state already says off).
  std::vector<std::string> enforce(int64_t now_us);

  bool empty() const { return pumps_.empty() && latches_.empty(); }

 private:
  struct PumpState {
    PumpLimit limit;
    bool on = false;
    bool ever_off = false;        // min_off applies only after a real switch-off
    int64_t off_since_us = 0;
    int64_t window_index = 0;
    int64_t used_us = 0;          // on-time in the current window up to accounted_us
    int64_t accounted_us = 0;
  };
  struct LatchState {
    StopLatch latch;
    bool raised = false;
    uint64_t raised_cycle = 0;
  };
  static void advance(PumpState& p, int64_t now_us);

  std::vector<PumpState> pumps_;
  std::vector<LatchState> latches_;
};

}  // namespace continuum::host
