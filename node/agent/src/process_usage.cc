#include "process_usage.h"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>

namespace continuum::node::agent {

std::optional<ProcessUsage> read_process_usage() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return std::nullopt;
  ProcessUsage out;
  out.cpu_s = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  out.max_rss_kb = static_cast<uint64_t>(usage.ru_maxrss);  // Linux reports KiB
  // statm: total program size, then resident pages.
  std::ifstream statm("/proc/self/statm");
  uint64_t size_pages = 0, resident_pages = 0;
  if (statm >> size_pages >> resident_pages) {
    long page = sysconf(_SC_PAGESIZE);
    out.rss_kb = resident_pages * static_cast<uint64_t>(page > 0 ? page : 4096) / 1024;
  }
  return out;
}

double CpuMeter::peek(double cpu_s, Clock::time_point now) const {
  double wall_s = std::chrono::duration<double>(now - last_).count();
  if (wall_s <= 0) return 0;
  double percent = (cpu_s - last_cpu_s_) / wall_s * 100.0;
  return percent < 0 ? 0 : percent;
}

double CpuMeter::advance(double cpu_s, Clock::time_point now) {
  double percent = peek(cpu_s, now);
  last_cpu_s_ = cpu_s;
  last_ = now;
  return percent;
}

}  // namespace continuum::node::agent
