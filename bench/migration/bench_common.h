// What bench_migration and bench_replacement share: the stream of readings
// into the soil filter, medians and the machine they ran on.
#pragma once

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "continuum/adapters/mqtt_bus.h"
#include "continuum/node/topics.h"

namespace continuum::bench {

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// "machine: <cpu model>, N cores, Linux <release>"
inline std::string machine() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, model = "?";
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  struct utsname u;
  uname(&u);
  return "machine: " + model + ", " + std::to_string(sysconf(_SC_NPROCESSORS_ONLN)) + " cores, " + u.sysname + " " +
         u.release;
}

// Publishes READING(seq) for seq = 0, 1, ... on gen/src/readings (QoS 1) at
// RATE per second, from a thread of its own, until stop().
class ReadingStream {
 public:
  ReadingStream(int port, int rate, std::function<std::string(uint64_t)> reading)
      : thread_([this, port, rate, reading = std::move(reading)] {
          adapters::MqttConfig pc;
          pc.port = port;
          adapters::MqttBus publisher(pc);
          publisher.start();
          publisher.wait_connected(30000);
          int token = 0;
          auto next = std::chrono::steady_clock::now();
          for (uint64_t seq = 0; !stop_; ++seq) {
            publisher.publish(node::topics::data("gen", "src", "readings"), reading(seq), 1, false, &token);
            sent_ = seq + 1;
            next += std::chrono::microseconds(1000000 / rate);
            std::this_thread::sleep_until(next);
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the last PUBACKs
          publisher.stop();
        }) {}
  ~ReadingStream() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  uint64_t sent() const { return sent_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> sent_{0};
  std::thread thread_;  // last: starts once the flags exist
};

}  // namespace continuum::bench
