#include "stage_slot.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "continuum/host/abi.h"
#include "continuum/node/wall_clock.h"

namespace continuum::node::agent {

SeqCounter::SeqCounter(std::string path) : path_(std::move(path)) {
  std::ifstream in(path_);
  uint64_t stored = 0;
  if (in >> stored) next_ = stored;
}

void SeqCounter::continue_from(uint64_t next) {
  next_ = next;
  persist();
}

uint64_t SeqCounter::take() {
  uint64_t seq = next_++;
  persist();
  return seq;
}

void SeqCounter::persist() {
  // Overwritten in place, fixed width (a 20-digit field always covers what an
  // older, shorter write left): one small write to one block, which a crash
  // leaves old or new. Not write-then-rename: on ext4 with discard every
  // rename freed the old file's block with a synchronous discard (~0.25 ms per
  // message, the fog's bottleneck). Not fsynced: after a power loss a number
  // may repeat, which ingest then takes for a duplicate of the (lost) earlier
  // message.
  if (fd_ < 0) fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ >= 0) {
    char text[32];
    int len = std::snprintf(text, sizeof text, "%20llu\n", static_cast<unsigned long long>(next_));
    ssize_t written = ::pwrite(fd_, text, static_cast<size_t>(len), 0);
    (void)written;  // a full disk loses the persisted number, not the message
  }
}

SeqCounter::~SeqCounter() {
  if (fd_ >= 0) ::close(fd_);
}

// Format: per entry a 4-byte little-endian key length, the key, a 4-byte
// value length, the value. Written to a temporary file and renamed.
bool read_kv_file(const std::string& path, KvSnapshot* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  auto read_u32 = [&](uint32_t* v) {
    unsigned char b[4];
    if (!in.read(reinterpret_cast<char*>(b), 4)) return false;
    *v = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
    return *v <= (1u << 20);
  };
  uint32_t n = 0;
  while (read_u32(&n)) {
    std::string key(n, '\0');
    if (!in.read(key.data(), n) || !read_u32(&n)) return false;
    std::vector<uint8_t> value(n);
    if (!in.read(reinterpret_cast<char*>(value.data()), n)) return false;
    (*out)[key] = std::move(value);
  }
  return true;
}

bool write_kv_file(const std::string& path, const KvSnapshot& kv) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    auto write_u32 = [&](uint32_t v) {
      unsigned char b[4] = {static_cast<unsigned char>(v), static_cast<unsigned char>(v >> 8),
                            static_cast<unsigned char>(v >> 16), static_cast<unsigned char>(v >> 24)};
      out.write(reinterpret_cast<char*>(b), 4);
    };
    for (const auto& [key, value] : kv) {
      write_u32(static_cast<uint32_t>(key.size()));
      out.write(key.data(), static_cast<std::streamsize>(key.size()));
      write_u32(static_cast<uint32_t>(value.size()));
      out.write(reinterpret_cast<const char*>(value.data()), static_cast<std::streamsize>(value.size()));
    }
    if (!out) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
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

int64_t StageServices::wall_ms() { return wall_clock_ms(); }

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
