#include "continuum/host/safety.h"

#include <stdlib.h>

namespace continuum::host {
namespace {

// Reads "key=ms" items separated by commas into microseconds.
bool parse_ms_fields(std::string_view fields, PumpLimit* p, std::string* error) {
  bool have_on = false, have_window = false;
  while (!fields.empty()) {
    size_t comma = fields.find(',');
    std::string_view item = fields.substr(0, comma);
    fields = comma == std::string_view::npos ? "" : fields.substr(comma + 1);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      *error = "expected key=milliseconds, got '" + std::string(item) + "'";
      return false;
    }
    std::string value(item.substr(eq + 1));
    char* end = nullptr;
    long long ms = strtoll(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0' || ms < 0) {
      *error = "bad milliseconds '" + value + "'";
      return false;
    }
    std::string_view key = item.substr(0, eq);
    if (key == "max_on") {
      p->max_on_us = ms * 1000;
      have_on = true;
    } else if (key == "window") {
      p->window_us = ms * 1000;
      have_window = true;
    } else if (key == "min_off") {
      p->min_off_us = ms * 1000;
    } else {
      *error = "unknown pump limit '" + std::string(key) + "' (max_on, window, min_off)";
      return false;
    }
  }
  if (!have_on || !have_window || p->window_us == 0) {
    *error = "a pump limit needs max_on=MS and window=MS (window > 0)";
    return false;
  }
  return true;
}

}  // namespace

bool SafetyLimits::add(std::string_view spec, std::string* error) {
  size_t c1 = spec.find(':');
  std::string_view kind = spec.substr(0, c1);
  if (c1 == std::string_view::npos) {
    *error = "safety limit '" + std::string(spec) + "': expected pump:NAME:... or stop:NAME";
    return false;
  }
  std::string_view rest = spec.substr(c1 + 1);
  if (kind == "stop") {
    if (rest.empty() || rest.find(':') != std::string_view::npos) {
      *error = "stop latch '" + std::string(spec) + "': expected stop:NAME";
      return false;
    }
    add_stop_latch({std::string(rest)});
    return true;
  }
  if (kind == "pump") {
    size_t c2 = rest.find(':');
    if (c2 == 0 || c2 == std::string_view::npos) {
      *error = "pump limit '" + std::string(spec) + "': expected pump:NAME:max_on=MS,window=MS[,min_off=MS]";
      return false;
    }
    PumpLimit p;
    p.actuator = std::string(rest.substr(0, c2));
    if (!parse_ms_fields(rest.substr(c2 + 1), &p, error)) {
      *error = "pump limit '" + std::string(spec) + "': " + *error;
      return false;
    }
    add_pump(p);
    return true;
  }
  *error = "unknown safety limit kind '" + std::string(kind) + "' (pump, stop)";
  return false;
}

void SafetyLimits::add_pump(const PumpLimit& limit) {
  PumpState s;
  s.limit = limit;
  pumps_.push_back(s);
}

void SafetyLimits::add_stop_latch(const StopLatch& latch) { latches_.push_back({latch}); }

// Brings the on-time bookkeeping up to now. Windows are fixed: window k is
// [k*W, (k+1)*W); crossing into a new window starts a fresh count (a pump
// on across the boundary counts from the boundary).
void SafetyLimits::advance(PumpState& p, int64_t now_us) {
  if (now_us < p.accounted_us) return;  // the clock is monotonic; ignore stale times
  const int64_t w = p.limit.window_us;
  int64_t index = now_us / w;
  if (index != p.window_index) {
    p.window_index = index;
    p.used_us = 0;
    p.accounted_us = p.on ? index * w : now_us;
  }
  if (p.on) p.used_us += now_us - p.accounted_us;
  p.accounted_us = now_us;
}

SafetyVerdict SafetyLimits::request(std::string_view actuator, double value, int64_t now_us,
                                    uint64_t cycle) {
  for (PumpState& p : pumps_) {
    if (p.limit.actuator != actuator) continue;
    advance(p, now_us);
    bool want_on = value != 0;
    if (want_on && !p.on) {
      if (p.ever_off && now_us - p.off_since_us < p.limit.min_off_us) return SafetyVerdict::Refuse;
      if (p.used_us >= p.limit.max_on_us) return SafetyVerdict::Refuse;
      p.on = true;
    } else if (!want_on && p.on) {
      p.on = false;
      p.ever_off = true;
      p.off_since_us = now_us;
    }
    return SafetyVerdict::Allow;
  }
  for (LatchState& l : latches_) {
    if (l.latch.actuator != actuator) continue;
    if (value != 0) {
      if (!l.raised) l.raised_cycle = cycle;
      l.raised = true;
    } else if (l.raised) {
      if (l.raised_cycle == cycle) return SafetyVerdict::Refuse;
      l.raised = false;
    }
    return SafetyVerdict::Allow;
  }
  return SafetyVerdict::Allow;
}

std::vector<std::string> SafetyLimits::enforce(int64_t now_us) {
  std::vector<std::string> forced;
  for (PumpState& p : pumps_) {
    advance(p, now_us);
    if (p.on && p.used_us >= p.limit.max_on_us) {
      p.on = false;
      p.ever_off = true;
      p.off_since_us = now_us;
      forced.push_back(p.limit.actuator);
    }
  }
  return forced;
}

}  // namespace continuum::host
