// `continuum sim soil ...` and `continuum sim krc2 ...`: the field simulators
// (sim/, docs/devices.md). soil serves several fields as a Modbus TCP gateway
// on loopback, in simulated time that may run faster than real time; krc2
// streams the robot's frames on a pseudo-terminal and waits for STOP.
#include <signal.h>
#include <stdio.h>
#include <time.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <string>
#include <vector>

#include "commands.h"
#include "continuum/sim/krc2_sim.h"
#include "continuum/sim/soil_modbus_server.h"
#include "continuum/sim/soil_sim.h"
#include "exit_codes.h"

namespace continuum::cli {
namespace {

std::atomic<bool> g_cancel{false};

void on_signal(int) { g_cancel.store(true); }

void catch_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

double real_seconds() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + ts.tv_nsec / 1e9;
}

struct SoilArgs {
  sim::SoilSimConfig config;
  std::string address = "127.0.0.1";
  int port = 1502;
  double speed = 60;
  double duration_s = 0;
  double offline_days = 0;
  double status_every_s = 1;
  bool json = false;
};

void print_status(const sim::SoilSimulator& s, bool json) {
  printf("%s\n", json ? s.status_json().c_str() : s.status_line().c_str());
  fflush(stdout);
}

int run_soil(SoilArgs& a) {
  sim::SoilSimulator soil(a.config);
  if (a.offline_days > 0) {
    // No server, no clock: the model as fast as it computes, a status per
    // --status-every simulated seconds.
    double end = a.offline_days * 86400.0;
    while (soil.time_s() < end && !g_cancel.load()) {
      soil.advance(a.status_every_s);
      print_status(soil, a.json);
    }
    return kExitOk;
  }
  sim::SoilModbusServer server(soil);
  std::string error = server.listen(a.address, a.port);
  if (!error.empty()) {
    fprintf(stderr, "error: %s\n", error.c_str());
    return kExitError;
  }
  fprintf(stderr, "soil: %d fields, Modbus TCP on %s:%d, %gx real time\n", soil.field_count(),
          a.address.c_str(), server.port(), a.speed);
  catch_signals();
  double start = real_seconds(), last = start, next_status = start;
  while (!g_cancel.load()) {
    server.serve(10);
    double now = real_seconds();
    soil.advance((now - last) * a.speed);
    last = now;
    if (now >= next_status) {
      print_status(soil, a.json);
      next_status += a.status_every_s;
    }
    if (a.duration_s > 0 && now - start >= a.duration_s) break;
  }
  return kExitOk;
}

int run_krc2(sim::Krc2Options& o, const std::vector<double>& point) {
  if (point.size() == 3) o.trajectory.point = {point[0], point[1], point[2]};
  sim::Krc2Simulator robot(o);
  std::string error = robot.open();
  if (!error.empty()) {
    fprintf(stderr, "error: %s\n", error.c_str());
    return kExitError;
  }
  // The slave path first, alone on its line, for scripts that start a node on it.
  printf("%s\n", robot.slave_path().c_str());
  fflush(stdout);
  fprintf(stderr, "krc2: %d baud on %s%s%s\n", o.baud, robot.slave_path().c_str(),
          o.link.empty() ? "" : " -> ", o.link.c_str());
  catch_signals();
  robot.run(g_cancel);
  const sim::Krc2Stats& s = robot.stats();
  fprintf(stderr, "krc2: %llu cycles, %llu bytes, noise %llu, dropped %llu, out of range %llu%s\n",
          (unsigned long long)s.cycles, (unsigned long long)s.bytes, (unsigned long long)s.noise_bytes,
          (unsigned long long)s.dropped_bytes, (unsigned long long)s.out_of_range_frames,
          s.stopped ? ", stopped" : "");
  return kExitOk;
}

}  // namespace

Command add_sim_command(CLI::App& app) {
  CLI::App* sim_cmd = app.add_subcommand("sim", "Field simulators: soil (Modbus TCP) and krc2 (serial pty)");
  sim_cmd->require_subcommand(1);

  static SoilArgs soil;
  CLI::App* s = sim_cmd->add_subcommand("soil", "Soil fields with pumps behind a Modbus TCP server");
  s->add_option("--fields", soil.config.fields, "Number of fields")->check(CLI::Range(1, 56));
  s->add_option("--sensors", soil.config.sensors_per_field, "Probes per field")->check(CLI::Range(1, 8));
  s->add_option("--seed", soil.config.seed, "Random seed (weather, sensor faults)");
  s->add_option("--speed", soil.speed, "Simulated seconds per real second");
  s->add_option("--address", soil.address, "Address the Modbus server listens on");
  s->add_option("--port", soil.port, "Modbus TCP port (0: any free port)");
  s->add_option("--duration", soil.duration_s, "Stop after this many real seconds (0: never)");
  s->add_option("--offline-days", soil.offline_days,
                "No server: simulate this many days as fast as possible and print status");
  s->add_option("--status-every", soil.status_every_s,
                "Seconds between status lines (real; simulated with --offline-days)");
  s->add_flag("--json", soil.json, "Status as one JSON object per line");
  s->add_option("--start-hour", soil.config.start_hour, "Hour of day at start");
  s->add_option("--et0", soil.config.soil.et0_mm_per_day, "Reference evapotranspiration, mm/day");
  s->add_option("--flow", soil.config.soil.pump_flow_l_per_min, "Pump flow, L/min");
  s->add_option("--area", soil.config.soil.area_m2, "Field area, m2");
  s->add_option("--rain-per-day", soil.config.rain.events_per_day, "Mean rain events per day");
  s->add_option("--noise", soil.config.faults.noise_sd_pct, "Probe noise SD, % vol");
  s->add_option("--spike-rate", soil.config.faults.spike_probability, "Spike probability per reading");
  s->add_option("--stuck-per-day", soil.config.faults.stuck_per_day, "Stuck episodes per probe and day");

  static sim::Krc2Options krc2;
  static std::vector<double> point;
  CLI::App* k = sim_cmd->add_subcommand("krc2", "KR C2 robot controller on a pseudo-terminal");
  k->add_option("--baud", krc2.baud, "Line speed, 8N1");
  k->add_option("--link", krc2.link, "Create a symlink to the slave end here");
  k->add_option("--point", point, "Point of interest x y z, mm")->expected(3);
  k->add_option("--safety", krc2.safety_mm, "Safety distance, mm (starts the reaction clock)");
  k->add_option("--closest", krc2.trajectory.closest_mm, "Closest approach of the trajectory, mm");
  k->add_option("--period", krc2.trajectory.period_s, "Seconds per swing out and back");
  k->add_option("--swing", krc2.trajectory.swing_deg, "A1 swing amplitude, degrees");
  k->add_option("--seed", krc2.seed, "Random seed for fault injection");
  k->add_option("--noise-rate", krc2.noise_rate, "Per frame: probability of random bytes before it")
      ->check(CLI::Range(0.0, 1.0));
  k->add_option("--drop-rate", krc2.drop_rate, "Per frame: probability of losing one byte")
      ->check(CLI::Range(0.0, 1.0));
  k->add_option("--out-of-range-rate", krc2.out_of_range_rate,
                "Per frame: probability of an out-of-range angle")
      ->check(CLI::Range(0.0, 1.0));
  k->add_option("--duration", krc2.duration_s, "Stop after this many seconds (0: never)");
  k->add_flag("--exit-on-stop", krc2.exit_on_stop, "Exit once a STOP command arrived");
  k->add_option("--resume-after", krc2.resume_after_s,
                "After a STOP, stand this many seconds, then move on (0: stay halted)")
      ->check(CLI::NonNegativeNumber);
  k->add_option("--json-log", krc2.json_log, "Write events (unsafe, stop, reaction time) as JSON lines");

  return [s, k]() {
    if (s->parsed()) return run_soil(soil);
    if (k->parsed()) return run_krc2(krc2, point);
    return kExitUsage;
  };
}

}  // namespace continuum::cli
