#include "continuum/node/up/simulators.h"

#include <time.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "continuum/sim/krc2_sim.h"
#include "continuum/sim/soil_modbus_server.h"
#include "continuum/sim/soil_sim.h"

namespace continuum::node::up {
namespace {

double monotonic_s() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + ts.tv_nsec / 1e9;
}

}  // namespace

SoilRunner::SoilRunner(const SimulatorSettings& settings) : settings_(settings) {
  sim::SoilSimConfig c;
  const SoilSimSettings& s = settings.soil;
  c.fields = s.fields;
  c.sensors_per_field = s.sensors;
  c.seed = s.seed;
  c.start_hour = s.start_hour;
  c.soil.initial_moisture = s.initial_moisture;
  c.soil.et0_mm_per_day = s.et0_mm_per_day;
  c.soil.pump_flow_l_per_min = s.pump_flow_l_per_min;
  c.soil.area_m2 = s.area_m2;
  c.rain.events_per_day = s.rain_per_day;
  sim_ = std::make_unique<sim::SoilSimulator>(c);
  server_ = std::make_unique<sim::SoilModbusServer>(*sim_);
  snapshot_.name = settings.name;
}

SoilRunner::~SoilRunner() { stop(); }

std::string SoilRunner::start(int port) {
  std::string error = server_->listen("127.0.0.1", port);
  if (!error.empty()) return "simulator " + settings_.name + ": " + error;
  port_ = server_->port();
  thread_ = std::thread([this] { run(); });
  return "";
}

void SoilRunner::run() {
  // The owner of the model alternates serving Modbus and advancing time
  // (SoilModbusServer is single-threaded); pump switchings are counted here,
  // where every coil write becomes visible.
  std::vector<bool> last(size_t(sim_->field_count()));
  for (int f = 0; f < sim_->field_count(); ++f) last[size_t(f)] = sim_->status(f).pump_on;
  double previous = monotonic_s();
  uint64_t switchings = 0;
  while (!cancel_.load()) {
    server_->serve(10);
    double now = monotonic_s();
    sim_->advance((now - previous) * settings_.soil.speed);
    previous = now;
    SoilSnapshot s;
    s.name = settings_.name;
    s.sim_time_s = sim_->time_s();
    for (int f = 0; f < sim_->field_count(); ++f) {
      const sim::FieldStatus& st = sim_->status(f);
      if (st.pump_on != last[size_t(f)]) ++switchings;
      last[size_t(f)] = st.pump_on;
      s.pump_on.push_back(st.pump_on);
      s.moisture_pct.push_back(st.moisture * 100.0);
    }
    s.pump_switchings = switchings;
    std::lock_guard<std::mutex> lock(mutex_);
    snapshot_ = std::move(s);
  }
}

void SoilRunner::stop() {
  cancel_.store(true);
  if (thread_.joinable()) thread_.join();
}

SoilSnapshot SoilRunner::snapshot() {
  std::lock_guard<std::mutex> lock(mutex_);
  return snapshot_;
}

RobotRunner::RobotRunner(const SimulatorSettings& settings, std::string link_path, std::string json_log)
    : settings_(settings), link_(std::move(link_path)), json_log_(std::move(json_log)) {
  sim::Krc2Options o;
  const Krc2SimSettings& k = settings.krc2;
  o.baud = k.baud;
  o.link = link_;
  o.json_log = json_log_;
  o.safety_mm = k.safety_mm;
  o.seed = k.seed;
  o.noise_rate = k.noise_rate;
  o.drop_rate = k.drop_rate;
  o.out_of_range_rate = k.out_of_range_rate;
  o.resume_after_s = k.resume_after_s;
  o.trajectory.closest_mm = k.closest_mm;
  o.trajectory.period_s = k.period_s;
  o.trajectory.swing_deg = k.swing_deg;
  o.trajectory.point = {k.point[0], k.point[1], k.point[2]};
  sim_ = std::make_unique<sim::Krc2Simulator>(o);
}

RobotRunner::~RobotRunner() { stop(); }

std::string RobotRunner::start() {
  std::string error = sim_->open();
  if (!error.empty()) return "simulator " + settings_.name + ": " + error;
  thread_ = std::thread([this] {
    sim_->run(cancel_);
    finished_.store(true);
  });
  return "";
}

void RobotRunner::stop() {
  cancel_.store(true);
  if (thread_.joinable()) thread_.join();
}

RobotSnapshot RobotRunner::snapshot() {
  RobotSnapshot s;
  s.name = settings_.name;
  s.safety_mm = settings_.krc2.safety_mm;
  s.tip_distance_mm = sim_->tip_distance_mm();
  s.stopped = sim_->stopped();
  // Every stop and its reaction time, from the simulator's own event log
  // (one JSON object per line, flushed per event).
  std::ifstream log(json_log_);
  for (std::string line; std::getline(log, line);) {
    nlohmann::json e = nlohmann::json::parse(line, nullptr, false);
    if (!e.is_object() || e.value("event", "") != "stop") continue;
    ++s.stops;
    if (e.contains("reaction_ms") && e["reaction_ms"].is_number()) s.reaction_ms.push_back(e["reaction_ms"].get<double>());
  }
  if (finished_.load()) s.cycles = sim_->stats().cycles;  // stats() only once run() returned
  return s;
}

}  // namespace continuum::node::up
