// The simulators of a deployment, run as threads inside `continuum up` so the
// live summary and the final report read pump states, the robot's tip
// distance, stops and reaction times directly (sim/, docs/devices.md).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "continuum/node/up/deployment.h"

namespace continuum::sim {
class SoilSimulator;
class SoilModbusServer;
class Krc2Simulator;
}  // namespace continuum::sim

namespace continuum::node::up {

struct SoilSnapshot {
  std::string name;
  double sim_time_s = 0;
  std::vector<bool> pump_on;
  std::vector<double> moisture_pct;  // true moisture per field
  uint64_t pump_switchings = 0;      // on->off and off->on, all fields
};

struct RobotSnapshot {
  std::string name;
  double tip_distance_mm = 0;
  double safety_mm = 0;
  bool stopped = false;                // halted right now
  uint64_t stops = 0;                  // STOPs acted on (several when it resumes)
  std::vector<double> reaction_ms;     // per stop that came while unsafe
  uint64_t cycles = 0;  // final only
};

class SoilRunner {
 public:
  SoilRunner(const SimulatorSettings& settings);
  ~SoilRunner();
  // Listens on 127.0.0.1:port and starts the thread. Error or "".
  std::string start(int port);
  void stop();
  SoilSnapshot snapshot();
  int port() const { return port_; }

 private:
  void run();
  SimulatorSettings settings_;
  std::unique_ptr<sim::SoilSimulator> sim_;
  std::unique_ptr<sim::SoilModbusServer> server_;
  int port_ = 0;
  std::atomic<bool> cancel_{false};
  std::thread thread_;
  std::mutex mutex_;
  SoilSnapshot snapshot_;
};

class RobotRunner {
 public:
  RobotRunner(const SimulatorSettings& settings, std::string link_path, std::string json_log);
  ~RobotRunner();
  std::string start();  // opens the pty (and the link), starts streaming
  void stop();
  RobotSnapshot snapshot();

 private:
  SimulatorSettings settings_;
  std::string link_, json_log_;
  std::unique_ptr<sim::Krc2Simulator> sim_;
  std::atomic<bool> cancel_{false};
  std::atomic<bool> finished_{false};
  std::thread thread_;
};

}  // namespace continuum::node::up
