// The KR C2 controller as seen from its serial line: a pseudo-terminal pair
// whose slave end a node opens like /dev/ttyUSB0. The master end receives the
// frames of the trajectory, paced at the configured baud rate (8N1: 10 bit
// times per byte), with optional injected faults, and is watched for the stop
// command. On a stop the robot halts (it keeps reporting its standing pose)
// and the reaction time is logged.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <random>
#include <string>

#include "continuum/sim/krc2_trajectory.h"

namespace continuum::sim {

// What collision-guard writes (modules/collision-guard/c/module.c). The
// simulator acts on "STOP" followed by '\n' (so "STOP\r\n" and "STOP\n").
inline constexpr char kStopCommand[] = "STOP\r\n";

struct Krc2Options {
  int baud = 9600;
  std::string link;            // if set, a symlink to the slave end is made here
  TrajectoryConfig trajectory;
  double safety_mm = 1500;     // the distance whose crossing starts the reaction clock
  uint64_t seed = 1;
  double noise_rate = 0;         // per frame: probability of 1..4 random bytes before it
  double drop_rate = 0;          // per frame: probability of losing one of its bytes
  double out_of_range_rate = 0;  // per frame (A1..A6): probability of an out-of-range angle
  double duration_s = 0;       // 0: run until cancelled
  bool exit_on_stop = false;
  // > 0: after a stop the robot stands this long, then moves on from where
  // it froze (for benchmarks that need many stops; 0: stays halted).
  double resume_after_s = 0;
  std::string json_log;        // JSON lines: start, unsafe, safe, fault, stop, end
};

struct Krc2Stats {
  uint64_t cycles = 0, frames = 0, bytes = 0;
  uint64_t noise_bytes = 0, dropped_bytes = 0, out_of_range_frames = 0;
  bool stopped = false;   // halted now
  uint64_t stops = 0;     // STOP commands acted on (several with resume_after_s)
  std::optional<double> reaction_ms;  // time from the unsafe cycle to the stop command
};

class Krc2Simulator {
 public:
  explicit Krc2Simulator(const Krc2Options& options);
  ~Krc2Simulator();
  Krc2Simulator(const Krc2Simulator&) = delete;
  Krc2Simulator& operator=(const Krc2Simulator&) = delete;

  // Opens the pty pair (raw, at the configured baud), makes the link, opens
  // the log. Returns an error message, empty on success.
  std::string open();
  const std::string& slave_path() const { return slave_path_; }

  // Streams until `cancel`, the duration, or (with exit_on_stop) a stop.
  void run(const std::atomic<bool>& cancel);

  // Safe to read after run() returns; while it runs, only the atomics.
  const Krc2Stats& stats() const { return stats_; }
  bool stopped() const { return stopped_flag_.load(); }
  // While it runs (for live displays such as `continuum up`): the tip's
  // distance to the point in the last cycle sent, and the reaction time of
  // the stop (negative until a stop with a reaction time arrived).
  double tip_distance_mm() const { return tip_distance_mm_.load(); }
  double reaction_ms_so_far() const { return reaction_ms_.load(); }

 private:
  void stream_cycle(double t_motion_s);
  void write_paced(const uint8_t* data, size_t len);
  void poll_commands(double until_s);
  double now_s() const;
  void log_event(const std::string& json_object_body);

  Krc2Options options_;
  Trajectory trajectory_;
  std::mt19937_64 rng_;
  int master_fd_ = -1, slave_fd_ = -1;
  std::string slave_path_;
  FILE* log_ = nullptr;
  int64_t start_ns_ = 0;
  double line_free_s_ = 0;        // when the line has sent every byte written so far
  std::string command_buffer_;
  bool unsafe_ = false;
  double unsafe_since_s_ = 0;     // end of the cycle that crossed the safety distance
  uint64_t unsafe_cycle_ = 0;
  double halted_motion_s_ = -1;   // motion time the robot froze at (-1: moving)
  double halted_at_s_ = 0;        // when it froze
  double motion_offset_s_ = 0;    // time spent halted so far: motion time = now - offset
  Krc2Stats stats_;
  std::atomic<bool> stopped_flag_{false};
  std::atomic<double> tip_distance_mm_{0};
  std::atomic<double> reaction_ms_{-1};
};

}  // namespace continuum::sim
