// The robot simulator on a real pseudo-terminal, read through the serial
// driver exactly as a node reads /dev/ttyUSB0: pacing at the baud rate,
// decodable frames, injected faults, and the stop command with its reaction time.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "continuum/devices/posix_serial_port.h"
#include "continuum/sim/krc2_frame.h"
#include "continuum/sim/krc2_kinematics.h"
#include "continuum/sim/krc2_sim.h"

namespace continuum {
namespace {

using Clock = std::chrono::steady_clock;
using sim::Cycle;

// Runs the simulator on its own thread for the lifetime of the fixture object.
class RunningRobot {
 public:
  explicit RunningRobot(const sim::Krc2Options& options) : robot_(options) {
    error_ = robot_.open();
    if (error_.empty()) thread_ = std::thread([this] { robot_.run(cancel_); });
  }
  ~RunningRobot() { finish(); }
  void finish() {
    cancel_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  const std::string& error() const { return error_; }
  sim::Krc2Simulator& robot() { return robot_; }

 private:
  sim::Krc2Simulator robot_;
  std::atomic<bool> cancel_{false};
  std::thread thread_;
  std::string error_;
};

struct Capture {
  std::vector<Cycle> cycles;
  size_t bytes = 0;
  double seconds = 0;  // from the first byte to the last read
};

// Reads for `duration` and decodes; the byte rate is measured from the first byte.
Capture capture(devices::SerialPort& port, sim::FrameDecoder& decoder, std::chrono::milliseconds duration) {
  Capture c;
  uint8_t buf[512];
  auto end = Clock::now() + duration;
  Clock::time_point first{};
  while (Clock::now() < end) {
    int n = port.read(buf, sizeof buf, 20);
    EXPECT_GE(n, 0);
    if (n <= 0) continue;
    if (c.bytes == 0) first = Clock::now();
    c.bytes += size_t(n);
    decoder.push(buf, size_t(n), c.cycles);
  }
  c.seconds = std::chrono::duration<double>(Clock::now() - first).count();
  return c;
}

class Krc2AtBaud : public ::testing::TestWithParam<int> {};

TEST_P(Krc2AtBaud, SerialDriverReadsPacedValidFrames) {
  int baud = GetParam();
  sim::Krc2Options options;
  options.baud = baud;
  RunningRobot sim(options);
  ASSERT_EQ(sim.error(), "");
  std::string error;
  auto port = devices::PosixSerialPort::open({sim.robot().slave_path(), baud}, &error);
  ASSERT_TRUE(port) << error;
  port->flush_input();
  sim::FrameDecoder decoder;
  Capture c = capture(*port, decoder, std::chrono::milliseconds(1500));

  // 8N1: 10 bits per byte on the line.
  double expected_bytes_per_s = baud / 10.0;
  // 15 %: the machine running the tests may be loaded; the simulator catches
  // up on its byte schedule after being descheduled.
  EXPECT_NEAR(c.bytes / c.seconds, expected_bytes_per_s, 0.15 * expected_bytes_per_s);
  double expected_cycles = c.seconds * expected_bytes_per_s / (7 * sim::kFrameBytes);
  EXPECT_GT(c.cycles.size(), size_t(0.85 * expected_cycles));
  EXPECT_EQ(decoder.skipped_bytes(), 0u);
  EXPECT_EQ(decoder.dropped_cycles(), 0u);
  EXPECT_EQ(decoder.out_of_range_cycles(), 0u);
  // The trajectory: valid angles, the approach pose held on A2/A3, A1 moving.
  sim::Trajectory trajectory(options.trajectory);
  auto pose = trajectory.angles(0);
  for (const Cycle& cycle : c.cycles) {
    ASSERT_TRUE(cycle.in_range);
    EXPECT_NEAR(cycle.degrees(1), pose[1], 1e-5);
    EXPECT_NEAR(cycle.degrees(2), pose[2], 1e-5);
  }
  ASSERT_GE(c.cycles.size(), 2u);
  EXPECT_NE(c.cycles.front().units[0], c.cycles.back().units[0]);
}

INSTANTIATE_TEST_SUITE_P(Bauds, Krc2AtBaud, ::testing::Values(9600, 115200));

TEST(Krc2Pty, InjectedFaultsAreVisibleToTheReceiver) {
  sim::Krc2Options options;
  options.baud = 115200;
  options.seed = 5;
  options.noise_rate = 0.05;
  options.drop_rate = 0.05;
  options.out_of_range_rate = 0.02;
  RunningRobot sim(options);
  ASSERT_EQ(sim.error(), "");
  std::string error;
  auto port = devices::PosixSerialPort::open({sim.robot().slave_path(), options.baud}, &error);
  ASSERT_TRUE(port) << error;
  port->flush_input();
  sim::FrameDecoder decoder;
  Capture c = capture(*port, decoder, std::chrono::milliseconds(1000));
  sim.finish();
  const sim::Krc2Stats& stats = sim.robot().stats();
  EXPECT_GT(stats.noise_bytes, 0u);
  EXPECT_GT(stats.dropped_bytes, 0u);
  EXPECT_GT(stats.out_of_range_frames, 0u);
  // Noise and lost bytes cost resynchronisation and whole cycles, ...
  EXPECT_GT(decoder.skipped_bytes(), 0u);
  EXPECT_GT(decoder.dropped_cycles(), 0u);
  // ... out-of-range values arrive and are flagged, and most cycles survive.
  EXPECT_GT(decoder.out_of_range_cycles(), 0u);
  size_t good = 0;
  for (const Cycle& cycle : c.cycles) good += cycle.in_range;
  EXPECT_GT(good, c.cycles.size() / 2);
}

TEST(Krc2Pty, StopCommandHaltsTheRobotAndLogsTheReactionTime) {
  char log_path[] = "/tmp/krc2_log_XXXXXX";
  int fd = mkstemp(log_path);
  ASSERT_GE(fd, 0);
  close(fd);
  sim::Krc2Options options;
  options.baud = 9600;
  options.trajectory.period_s = 4;  // the tip comes near within a second
  options.json_log = log_path;
  RunningRobot sim(options);
  ASSERT_EQ(sim.error(), "");
  std::string error;
  auto port = devices::PosixSerialPort::open({sim.robot().slave_path(), options.baud}, &error);
  ASSERT_TRUE(port) << error;
  port->flush_input();

  // The guard's job, done here: the first cycle under the safety distance
  // answers with the stop command.
  sim::FrameDecoder decoder;
  std::vector<Cycle> cycles;
  uint8_t buf[256];
  bool sent = false;
  auto give_up = Clock::now() + std::chrono::seconds(5);
  while (!sent && Clock::now() < give_up) {
    int n = port->read(buf, sizeof buf, 20);
    ASSERT_GE(n, 0);
    cycles.clear();
    decoder.push(buf, size_t(n), cycles);
    for (const Cycle& cycle : cycles) {
      sim::Vec3 tip = sim::tip_position({cycle.degrees(0), cycle.degrees(1), cycle.degrees(2),
                                         cycle.degrees(3), cycle.degrees(4), cycle.degrees(5)});
      if (sim::distance(tip, options.trajectory.point) < options.safety_mm) {
        ASSERT_EQ(port->write(reinterpret_cast<const uint8_t*>(sim::kStopCommand), 6, 100), 6);
        sent = true;
        break;
      }
    }
  }
  ASSERT_TRUE(sent) << "the tip never came under the safety distance";
  auto wait = Clock::now() + std::chrono::seconds(1);
  while (!sim.robot().stopped() && Clock::now() < wait) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(sim.robot().stopped());
  // Halted: after what was already on the line, every cycle shows one pose.
  Capture after = capture(*port, decoder, std::chrono::milliseconds(600));
  ASSERT_GE(after.cycles.size(), 4u);
  const Cycle& last = after.cycles.back();
  for (size_t i = after.cycles.size() - 4; i < after.cycles.size(); ++i)
    EXPECT_EQ(after.cycles[i].units, last.units);
  sim.finish();

  const sim::Krc2Stats& stats = sim.robot().stats();
  EXPECT_TRUE(stats.stopped);
  ASSERT_TRUE(stats.reaction_ms.has_value());
  EXPECT_GE(*stats.reaction_ms, 0.0);
  // The guard here answers at once; the bound leaves room for a loaded machine.
  EXPECT_LT(*stats.reaction_ms, 1000.0);
  std::ifstream in(log_path);
  std::stringstream text;
  text << in.rdbuf();
  std::string log = text.str();
  EXPECT_NE(log.find("\"event\":\"unsafe\""), std::string::npos) << log;
  char expected[64];
  snprintf(expected, sizeof expected, "\"reaction_ms\":%.3f", *stats.reaction_ms);
  EXPECT_NE(log.find(expected), std::string::npos) << log;
  unlink(log_path);
}

TEST(Krc2Pty, SymlinkNamesTheSlaveLikeADevice) {
  std::string link = "/tmp/krc2_link_" + std::to_string(getpid());
  sim::Krc2Options options;
  options.link = link;
  options.baud = 115200;
  {
    RunningRobot sim(options);
    ASSERT_EQ(sim.error(), "");
    std::string error;
    auto port = devices::PosixSerialPort::open({link, options.baud}, &error);
    ASSERT_TRUE(port) << error;
    sim::FrameDecoder decoder;
    Capture c = capture(*port, decoder, std::chrono::milliseconds(200));
    EXPECT_GT(c.cycles.size(), 5u);
  }
  EXPECT_NE(access(link.c_str(), F_OK), 0);  // removed with the simulator
}

TEST(SerialPort, RefusesWhatIsNotASerialLine) {
  std::string error;
  EXPECT_FALSE(devices::PosixSerialPort::open({"/nonexistent/tty", 9600}, &error));
  EXPECT_NE(error.find("No such file"), std::string::npos);
  EXPECT_FALSE(devices::PosixSerialPort::open({"/dev/null", 9600}, &error));
  EXPECT_NE(error.find("not a serial port"), std::string::npos);
  EXPECT_FALSE(devices::PosixSerialPort::open({"/dev/null", 12345}, &error));
  EXPECT_NE(error.find("baud"), std::string::npos);
}

}  // namespace
}  // namespace continuum
