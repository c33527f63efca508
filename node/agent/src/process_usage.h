// The agent process's own footprint for the heartbeat: CPU time, peak and
// current resident memory, and CPU use over the last heartbeat period.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace continuum::node::agent {

struct ProcessUsage {
  double cpu_s = 0;         // user + system since the process started
  uint64_t max_rss_kb = 0;  // peak resident set (getrusage)
  uint64_t rss_kb = 0;      // resident set now (/proc/self/statm; 0 where absent)
};

std::optional<ProcessUsage> read_process_usage();

// CPU use in percent of one core between two samples (100 = one core busy
// the whole time; more with several threads busy).
class CpuMeter {
 public:
  using Clock = std::chrono::steady_clock;
  // The first period starts now, at the process's CPU time cpu_s.
  explicit CpuMeter(double cpu_s) : last_cpu_s_(cpu_s) {}
  // Percent since the previous advance() (or since construction), then starts
  // the next period there.
  double advance(double cpu_s, Clock::time_point now);
  // Percent since the previous advance(), without starting a new period.
  double peek(double cpu_s, Clock::time_point now) const;

 private:
  double last_cpu_s_;
  Clock::time_point last_ = Clock::now();
};

}  // namespace continuum::node::agent
