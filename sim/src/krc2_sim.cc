#include "continuum/sim/krc2_sim.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include "continuum/sim/krc2_frame.h"
#include "continuum/devices/serial_speed.h"

namespace continuum::sim {

static int64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

Krc2Simulator::Krc2Simulator(const Krc2Options& options)
    : options_(options), trajectory_(options.trajectory), rng_(options.seed) {}

Krc2Simulator::~Krc2Simulator() {
  if (log_) fclose(log_);
  if (!options_.link.empty() && !slave_path_.empty()) unlink(options_.link.c_str());
  if (slave_fd_ >= 0) close(slave_fd_);
  if (master_fd_ >= 0) close(master_fd_);
}

std::string Krc2Simulator::open() {
  speed_t speed;
  if (!devices::baud_to_speed(options_.baud, &speed)) return "unsupported baud rate";
  char name[256];
  if (openpty(&master_fd_, &slave_fd_, name, nullptr, nullptr) != 0)
    return std::string("openpty: ") + strerror(errno);
  slave_path_ = name;
  // Raw 8N1 on the line: no echo, no CR/LF translation, no line buffering,
  // or the binary frames and the stop command would be rewritten. The slave
  // stays open here so the line exists while no node has it open.
  termios tio;
  tcgetattr(slave_fd_, &tio);
  cfmakeraw(&tio);
  cfsetispeed(&tio, speed);
  cfsetospeed(&tio, speed);
  tcsetattr(slave_fd_, TCSANOW, &tio);
  fcntl(master_fd_, F_SETFL, fcntl(master_fd_, F_GETFL) | O_NONBLOCK);
  if (!options_.link.empty()) {
    unlink(options_.link.c_str());
    if (symlink(slave_path_.c_str(), options_.link.c_str()) != 0)
      return "symlink " + options_.link + ": " + strerror(errno);
  }
  if (!options_.json_log.empty()) {
    log_ = fopen(options_.json_log.c_str(), "w");
    if (!log_) return "cannot write " + options_.json_log + ": " + strerror(errno);
  }
  return "";
}

double Krc2Simulator::now_s() const { return (monotonic_ns() - start_ns_) / 1e9; }

void Krc2Simulator::log_event(const std::string& body) {
  if (!log_) return;
  fprintf(log_, "{\"t_ms\":%.3f,%s}\n", now_s() * 1000.0, body.c_str());
  fflush(log_);
}

void Krc2Simulator::run(const std::atomic<bool>& cancel) {
  start_ns_ = monotonic_ns();
  line_free_s_ = 0;
  const Vec3& p = options_.trajectory.point;
  char buf[512];
  snprintf(buf, sizeof buf,
           "\"event\":\"start\",\"slave\":\"%s\",\"baud\":%d,\"point\":[%g,%g,%g],"
           "\"safety_mm\":%g,\"approach_mm\":%.1f,\"period_s\":%g",
           slave_path_.c_str(), options_.baud, p[0], p[1], p[2], options_.safety_mm,
           trajectory_.approach_distance(), options_.trajectory.period_s);
  log_event(buf);
  while (!cancel.load()) {
    double now = now_s();
    if (options_.duration_s > 0 && now >= options_.duration_s) break;
    if (stats_.stopped && options_.exit_on_stop) break;
    if (stats_.stopped && options_.resume_after_s > 0 && now - halted_at_s_ >= options_.resume_after_s) {
      // Move on from the frozen pose: the trajectory resumes where it stopped.
      motion_offset_s_ = now - halted_motion_s_;
      halted_motion_s_ = -1;
      stats_.stopped = false;
      stopped_flag_.store(false);  // stopped() reports "halted now" to live readers
      log_event("\"event\":\"resume\"");
    }
    double motion = halted_motion_s_ >= 0 ? halted_motion_s_ : now - motion_offset_s_;
    stream_cycle(motion);
  }
  snprintf(buf, sizeof buf,
           "\"event\":\"end\",\"cycles\":%llu,\"frames\":%llu,\"bytes\":%llu,\"noise_bytes\":%llu,"
           "\"dropped_bytes\":%llu,\"out_of_range_frames\":%llu,\"stopped\":%s",
           (unsigned long long)stats_.cycles, (unsigned long long)stats_.frames,
           (unsigned long long)stats_.bytes, (unsigned long long)stats_.noise_bytes,
           (unsigned long long)stats_.dropped_bytes,
           (unsigned long long)stats_.out_of_range_frames, stats_.stopped ? "true" : "false");
  log_event(buf);
}

void Krc2Simulator::stream_cycle(double t_motion) {
  std::array<double, 7> deg = trajectory_.angles(t_motion);
  double d = trajectory_.distance_at(t_motion);
  std::uniform_real_distribution<double> chance(0.0, 1.0);
  for (int axis = 1; axis <= kAxisCount; ++axis) {
    double value = deg[axis - 1];
    if (axis <= 6 && options_.out_of_range_rate > 0 && chance(rng_) < options_.out_of_range_rate) {
      const AxisRange& r = kAxisRanges[axis - 1];
      value = r.max_deg + 10 + 40 * chance(rng_);  // beyond the limit by 10..50 degrees
      ++stats_.out_of_range_frames;
    }
    auto frame = encode_frame(axis, degrees_to_units(value));
    if (options_.noise_rate > 0 && chance(rng_) < options_.noise_rate) {
      uint8_t noise[4];
      int n = 1 + int(chance(rng_) * 4) % 4;
      for (int i = 0; i < n; ++i) noise[i] = uint8_t(rng_());
      write_paced(noise, size_t(n));
      stats_.noise_bytes += uint64_t(n);
    }
    size_t len = kFrameBytes;
    if (options_.drop_rate > 0 && chance(rng_) < options_.drop_rate) {
      size_t lost = size_t(rng_() % kFrameBytes);
      std::memmove(frame.data() + lost, frame.data() + lost + 1, kFrameBytes - lost - 1);
      --len;
      ++stats_.dropped_bytes;
    }
    write_paced(frame.data(), len);
    ++stats_.frames;
  }
  ++stats_.cycles;
  tip_distance_mm_.store(d);
  // The cycle's last byte has just reached the receiver: from now on it can
  // compute the tip, so the reaction clock starts here. Nothing has been read
  // from the line since, so a stop for this cycle cannot have arrived yet.
  char buf[256];
  if (!unsafe_ && d < options_.safety_mm && !stats_.stopped) {
    unsafe_ = true;
    unsafe_since_s_ = now_s();
    unsafe_cycle_ = stats_.cycles;
    snprintf(buf, sizeof buf, "\"event\":\"unsafe\",\"cycle\":%llu,\"distance_mm\":%.1f,\"sent_ms\":%.3f",
             (unsigned long long)stats_.cycles, d, unsafe_since_s_ * 1000.0);
    log_event(buf);
  } else if (unsafe_ && d >= options_.safety_mm) {
    unsafe_ = false;
    snprintf(buf, sizeof buf, "\"event\":\"safe\",\"cycle\":%llu,\"distance_mm\":%.1f",
             (unsigned long long)stats_.cycles, d);
    log_event(buf);
  }
}

// Waits (watching for commands) until a UART would have sent these bytes at
// the baud rate, 10 bit times per byte (8N1), then hands them to the pty,
// which delivers at once: the receiver sees a frame when its last byte would
// have arrived on a real line.
void Krc2Simulator::write_paced(const uint8_t* data, size_t len) {
  double now = now_s();
  // Keep the byte schedule across small scheduling delays (the next bytes go
  // out at once to catch up); after a real stall the line restarts from now.
  if (now - line_free_s_ > 1.0) line_free_s_ = now;
  line_free_s_ += double(len) * 10.0 / options_.baud;
  poll_commands(line_free_s_);
  // A full pty buffer means nobody reads: a real line would lose the bytes too.
  ssize_t n = write(master_fd_, data, len);
  (void)n;
  stats_.bytes += len;
}

void Krc2Simulator::poll_commands(double until_s) {
  for (;;) {
    double wait_s = until_s - now_s();
    pollfd pfd{master_fd_, POLLIN, 0};
    int timeout_ms = wait_s > 0 ? int(std::ceil(wait_s * 1000.0)) : 0;
    if (poll(&pfd, 1, timeout_ms) <= 0 || !(pfd.revents & POLLIN)) {
      // Sleep off the sub-millisecond remainder so pacing stays exact.
      double rest = until_s - now_s();
      if (rest > 0) {
        timespec ts{0, long(rest * 1e9)};
        nanosleep(&ts, nullptr);
      }
      return;
    }
    char buf[256];
    ssize_t n = read(master_fd_, buf, sizeof buf);
    if (n <= 0) return;
    double received = now_s();
    command_buffer_.append(buf, size_t(n));
    size_t at;
    while ((at = command_buffer_.find('\n')) != std::string::npos) {
      std::string line = command_buffer_.substr(0, at);
      command_buffer_.erase(0, at + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      char ev[256];
      if (line != "STOP") {
        snprintf(ev, sizeof ev, "\"event\":\"unknown_command\",\"bytes\":%zu", line.size());
        log_event(ev);
        continue;
      }
      if (stats_.stopped) continue;  // already halted: a repeated stop changes nothing
      stats_.stopped = true;
      ++stats_.stops;
      halted_motion_s_ = received - motion_offset_s_;
      halted_at_s_ = received;
      stats_.reaction_ms.reset();
      if (unsafe_) stats_.reaction_ms = (received - unsafe_since_s_) * 1000.0;
      if (stats_.reaction_ms)
        snprintf(ev, sizeof ev,
                 "\"event\":\"stop\",\"unsafe_cycle\":%llu,\"reaction_ms\":%.3f",
                 (unsigned long long)unsafe_cycle_, *stats_.reaction_ms);
      else
        snprintf(ev, sizeof ev, "\"event\":\"stop\",\"unsafe_cycle\":null,\"reaction_ms\":null");
      log_event(ev);
      fprintf(stderr, "krc2: STOP received%s\n", stats_.reaction_ms ? "" : " while safe");
      if (stats_.reaction_ms) fprintf(stderr, "krc2: reaction time %.3f ms\n", *stats_.reaction_ms);
      if (stats_.reaction_ms) reaction_ms_.store(*stats_.reaction_ms);
      stopped_flag_.store(true);
    }
    if (command_buffer_.size() > 1024) command_buffer_.clear();  // garbage without newlines
  }
}

}  // namespace continuum::sim
