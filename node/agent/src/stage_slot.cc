#include "stage_slot.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "continuum/host/abi.h"

namespace continuum::node::agent {

SeqCounter::SeqCounter(std::string path) : path_(std::move(path)) {
  std::ifstream in(path_);
  uint64_t stored = 0;
  if (in >> stored) next_ = stored;
}

uint64_t SeqCounter::take() {
  uint64_t seq = next_++;
  // Write-then-rename: a crash leaves the old or the new number, never half
  // a file. Not fsynced: after a power loss a number may repeat, which ingest
  // then takes for a duplicate of the (lost) earlier message.
  std::string tmp = path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << next_ << "\n";
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path_, ec);
  return seq;
}

StageServices::StageServices(std::string node, EmitFn emit, Clock::time_point epoch)
    : node_(std::move(node)), emit_(std::move(emit)), epoch_(epoch) {}

// Devices are routed by DeviceHostDevices; a name it does not know ends here.
int32_t StageServices::sensor_read(std::string_view, double*) { return host::kNOT_FOUND; }
int32_t StageServices::actuator_set(std::string_view, double) { return host::kNOT_FOUND; }
int32_t StageServices::serial_read(std::string_view, uint8_t*, uint32_t) { return host::kNOT_FOUND; }
int32_t StageServices::serial_write(std::string_view, const uint8_t*, uint32_t) { return host::kNOT_FOUND; }

int32_t StageServices::emit(std::string_view port, const uint8_t* payload, uint32_t len) {
  return emit_(port, std::string_view(reinterpret_cast<const char*>(payload), len));
}

int64_t StageServices::monotonic_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - epoch_).count();
}

int64_t StageServices::wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void StageServices::random_bytes(uint8_t* buf, uint32_t len) {
  for (uint32_t i = 0; i < len; ++i) buf[i] = static_cast<uint8_t>(random_());
}

void StageServices::log(int32_t level, std::string_view stage, std::string_view message) {
  if (mute_traps && message.find(" trapped: ") != std::string_view::npos) return;
  if (mute_out_of_fuel && message.find(" ran out of fuel") != std::string_view::npos) return;
  int64_t second = monotonic_us() / 1000000;
  if (second != window_s_) {
    if (suppressed_ > 0)
      std::fprintf(stderr, "%s/%.*s: %llu log lines suppressed (over %d per second)\n", node_.c_str(),
                   static_cast<int>(stage.size()), stage.data(), static_cast<unsigned long long>(suppressed_),
                   kMaxLinesPerSecond);
    window_s_ = second;
    lines_in_window_ = 0;
    suppressed_ = 0;
  }
  if (++lines_in_window_ > kMaxLinesPerSecond) {
    ++suppressed_;
    return;
  }
  static const char* const kLevels[] = {"debug", "info", "warn", "error"};
  const char* name = level >= 0 && level <= 3 ? kLevels[level] : "log";
  std::fprintf(stderr, "%s/%.*s %s: %.*s\n", node_.c_str(), static_cast<int>(stage.size()), stage.data(), name,
               static_cast<int>(message.size()), message.data());
}

}  // namespace continuum::node::agent
