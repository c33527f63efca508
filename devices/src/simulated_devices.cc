#include "continuum/devices/simulated_devices.h"

#include <chrono>
#include <cmath>
#include <condition_variable>

namespace continuum::devices {

DeviceStatus SimulatedSensors::read(std::string_view channel, double* value) {
  if (auto f = failing_.find(channel); f != failing_.end() && f->second) return DeviceStatus::Io;
  if (auto fn = functions_.find(channel); fn != functions_.end()) {
    *value = fn->second();
    return DeviceStatus::Ok;
  }
  auto it = values_.find(channel);
  if (it == values_.end()) return DeviceStatus::NotFound;
  *value = it->second;
  return DeviceStatus::Ok;
}

DeviceStatus SimulatedActuators::set(std::string_view channel, double value) {
  auto it = values_.find(channel);
  if (it == values_.end()) return DeviceStatus::NotFound;
  if (std::isnan(value)) return DeviceStatus::Invalid;
  it->second = value;
  history_.emplace_back(it->first, value);
  return DeviceStatus::Ok;
}

double SimulatedActuators::value(std::string_view channel) const {
  auto it = values_.find(channel);
  return it == values_.end() ? NAN : it->second;
}

struct SimulatedSerialLine::Shared {
  std::mutex mutex;
  std::condition_variable arrived;
  std::deque<uint8_t> to_a, to_b;
};

class SimulatedSerialLine::End final : public SerialPort {
 public:
  End(std::shared_ptr<Shared> shared, bool is_a) : shared_(std::move(shared)), is_a_(is_a) {}

  int read(uint8_t* buf, size_t cap, int timeout_ms) override {
    std::unique_lock lock(shared_->mutex);
    std::deque<uint8_t>& in = is_a_ ? shared_->to_a : shared_->to_b;
    shared_->arrived.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return !in.empty(); });
    size_t n = 0;
    while (n < cap && !in.empty()) {
      buf[n++] = in.front();
      in.pop_front();
    }
    return int(n);
  }

  int write(const uint8_t* data, size_t len, int) override {
    {
      std::lock_guard lock(shared_->mutex);
      std::deque<uint8_t>& out = is_a_ ? shared_->to_b : shared_->to_a;
      out.insert(out.end(), data, data + len);
    }
    shared_->arrived.notify_all();
    return int(len);
  }

 private:
  std::shared_ptr<Shared> shared_;
  bool is_a_;
};

SimulatedSerialLine::SimulatedSerialLine()
    : shared_(std::make_shared<Shared>()),
      a_(std::make_unique<End>(shared_, true)),
      b_(std::make_unique<End>(shared_, false)) {}

}  // namespace continuum::devices
