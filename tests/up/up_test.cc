// Whole deployments through `continuum up`: real mosquitto, real node
// processes, the simulators. What must hold: nothing lost, nothing stored
// twice, both applications produce data, pumps switch, the robot is stopped
// with a reaction time, and no process outlives `up`.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "continuum/adapters/http_client.h"
#include "up_process.h"

namespace continuum::testing {
namespace {

const std::string kBoth = std::string(DEPLOY_DIR) + "/both.toml";
const std::string kRobot = std::string(DEPLOY_DIR) + "/robot.toml";

struct Finished {
  int status = -1;
  std::string output;
  nlohmann::json summary;
  std::string run_dir;
};

// `up FILE --for DURATION --summary-json ... EXTRA...`, to completion.
Finished run_up_for(const std::string& file, const std::string& duration, std::vector<std::string> extra) {
  Finished f;
  std::string dir = fresh_dir("up");
  f.run_dir = dir + "/run";
  std::vector<std::string> args = {"up",          file,     "--for",          duration, "--run-dir", f.run_dir,
                                   "--modules",   MODULES_DIR, "--summary-json", dir + "/summary.json", "--lines"};
  args.insert(args.end(), extra.begin(), extra.end());
  UpProcess up;
  EXPECT_TRUE(up.start(args, dir + "/output.txt"));
  // --for plus start and an orderly stop of five nodes on a loaded machine.
  EXPECT_TRUE(up.wait(300000)) << "continuum up did not finish; output:\n" << up.output();
  f.status = up.status;
  f.output = up.output();
  f.summary = nlohmann::json::parse(read_file(dir + "/summary.json"), nullptr, false);
  return f;
}

void expect_nothing_lost(const Finished& f) {
  ASSERT_TRUE(f.summary.is_object()) << f.output;
  EXPECT_EQ(f.summary["readings_lost"], 0) << f.summary.dump(2);
  EXPECT_EQ(f.summary["readings_stored_twice"], 0) << f.summary.dump(2);
  // Per stage too, and the checked stages are really checked (their seqs
  // were counted) -- not a vacuous zero.
  for (const std::string stage :
       {"edge-soil-1/control", "edge-soil-2/control", "fog-1/filter", "edge-robot-1/decode", "edge-robot-1/guard"}) {
    const nlohmann::json& s = f.summary["stages"][stage];
    ASSERT_TRUE(s.is_object()) << stage << "\n" << f.summary.dump(2);
    EXPECT_TRUE(s["checked"].get<bool>()) << stage;
    EXPECT_GT(s["emitted_seq"].get<uint64_t>(), 0u) << stage;
    EXPECT_EQ(s["rows_stored"], s["emitted_seq"]) << stage;
    EXPECT_EQ(s["lost"], 0) << stage;
  }
}

// The cloud node's API address, as `up` prints it ("API: http://HOST:PORT").
std::string api_url(const std::string& output) {
  std::size_t at = output.find("API: http://");
  if (at == std::string::npos) return {};
  at += 5;
  std::size_t end = output.find_first_of(" \r\n", at);
  return output.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

void expect_no_process_left(const Finished& f) {
  std::vector<pid_t> left = processes_mentioning(f.run_dir);
  EXPECT_TRUE(left.empty()) << left.size() << " process(es) still run for " << f.run_dir;
  for (pid_t pid : left) kill(pid, SIGKILL);
}

TEST(Up, BothApplicationsEndToEnd) {
  if (!have_mosquitto()) GTEST_SKIP() << "mosquitto is not installed (scripts/setup.sh)";
  Finished f = run_up_for(kBoth, "25s", {});
  EXPECT_EQ(f.status, 0) << f.output;
  expect_nothing_lost(f);
  // Both applications reached the cloud store.
  EXPECT_GT(f.summary["stages"]["edge-soil-1/control"]["rows_stored"].get<uint64_t>(), 10u);
  EXPECT_GT(f.summary["stages"]["edge-soil-2/control"]["rows_stored"].get<uint64_t>(), 10u);
  EXPECT_GT(f.summary["stages"]["fog-1/filter"]["rows_stored"].get<uint64_t>(), 0u);
  EXPECT_GT(f.summary["stages"]["edge-robot-1/decode"]["rows_stored"].get<uint64_t>(), 100u);
  EXPECT_GT(f.summary["stages"]["edge-robot-1/guard"]["in"].get<uint64_t>(), 0u);
  // The guard's readings (arrays tip and d, flattened by ingest) were stored.
  EXPECT_GT(f.summary["stages"]["edge-robot-1/guard"]["rows_stored"].get<uint64_t>(), 100u);
  // The control loops acted on the simulators.
  EXPECT_GE(f.summary["pump_switchings"].get<uint64_t>(), 1u) << f.summary.dump(2);
  EXPECT_GE(f.summary["robot_stops"].get<uint64_t>(), 1u) << f.summary.dump(2);
  ASSERT_GE(f.summary["reaction_ms"].size(), 1u) << f.summary.dump(2);
  EXPECT_GT(f.summary["reaction_ms"][0].get<double>(), 0.0);
  EXPECT_GT(f.summary["latency_ms"]["end_to_end"]["count"].get<uint64_t>(), 0u);
  // Legs are named as the cloud's /api/latency names them (<node>/<stage>
  // points, docs/protocol.md "Latency"): a fog aggregate, an edge reading
  // stored straight away, the guard's output of a decoded cycle.
  for (const char* leg : {"origin->fog-1/filter", "fog-1/filter->ingest", "edge-soil-1/control->ingest",
                          "edge-robot-1/decode->ingest", "origin->edge-robot-1/guard", "edge-robot-1/guard->ingest"})
    EXPECT_GT(f.summary["latency_ms"]["hops"].value(leg, nlohmann::json::object()).value("count", uint64_t(0)), 0u)
        << leg << "\n" << f.summary["latency_ms"].dump(2);
  for (const char* node : {"cloud-1", "fog-1", "edge-soil-1", "edge-soil-2", "edge-robot-1"})
    EXPECT_EQ(f.summary["nodes"][node]["exit_status"], 0) << node;
  expect_no_process_left(f);
  if (!HasFailure()) std::filesystem::remove_all(std::filesystem::path(f.run_dir).parent_path());
}

TEST(Up, BrokerOutageLosesNothing) {
  if (!have_mosquitto()) GTEST_SKIP() << "mosquitto is not installed (scripts/setup.sh)";
  Finished f = run_up_for(kBoth, "25s", {"--broker-outage", "8s+5s"});
  EXPECT_EQ(f.status, 0) << f.output;
  ASSERT_TRUE(f.summary.is_object()) << f.output;
  ASSERT_EQ(f.summary["broker_outages"].size(), 1u) << f.summary.dump(2);
  expect_nothing_lost(f);
  // Readings made during the outage arrived late, not never: the worst
  // end-to-end latency spans the outage.
  EXPECT_GT(f.summary["latency_ms"]["end_to_end"]["max_ms"].get<double>(), 1000.0) << f.summary.dump(2);
  expect_no_process_left(f);
  if (!HasFailure()) std::filesystem::remove_all(std::filesystem::path(f.run_dir).parent_path());
}

TEST(Up, SigintStopsEverythingAfterARobotStop) {
  if (!have_mosquitto()) GTEST_SKIP() << "mosquitto is not installed (scripts/setup.sh)";
  std::string dir = fresh_dir("sigint");
  std::string run_dir = dir + "/run";
  UpProcess up;
  ASSERT_TRUE(up.start({"up", kRobot, "--run-dir", run_dir, "--modules", MODULES_DIR, "--lines"}, dir + "/output.txt"));
  ASSERT_TRUE(eventually([&] { return up.output().find("nodes online") != std::string::npos; }, 120000))
      << up.output();
  // The stop written by collision-guard on the edge node reached the
  // simulated controller (its own event log says so).
  std::string robot_log = run_dir + "/logs/robot.jsonl";
  EXPECT_TRUE(eventually([&] { return read_file(robot_log).find("\"event\":\"stop\"") != std::string::npos; }, 120000))
      << read_file(robot_log);
  // The guard's distances are stored under flattened names and served by
  // the cloud node's API: the robot's distance to the first point (d.0) and
  // the minimum, the series a dashboard charts against the safety distance.
  // EXPECT, not ASSERT, up to the SIGINT below: `up` must be stopped either way.
  std::string api = api_url(up.output());
  EXPECT_FALSE(api.empty()) << up.output();
  // Buckets, not raw points: a raw answer is refused past 10 000 readings.
  auto buckets_of = [&](const std::string& field, const std::string& agg, nlohmann::json* answer) {
    adapters::HttpGetResult r = adapters::http_get(
        api, "/api/series?node=edge-robot-1&stage=guard&field=" + field + "&from=-10m&bucket=1m&agg=" + agg);
    *answer = nlohmann::json::parse(r.body, nullptr, false);
    return r.status == 200 && answer->is_object() && answer->contains("points") && !(*answer)["points"].empty();
  };
  nlohmann::json d0;
  EXPECT_TRUE(!api.empty() && eventually([&] { return buckets_of("d.0", "max", &d0); }, 60000)) << d0.dump();
  for (const nlohmann::json& b : d0.is_object() ? d0.value("points", nlohmann::json::array()) : nlohmann::json::array()) {
    // A distance in mm within the robot's reach (KR C2 sim, about 2.5 m).
    EXPECT_GT(b["value"].get<double>(), 0.0) << d0.dump();
    EXPECT_LT(b["value"].get<double>(), 10000.0) << d0.dump();
  }
  // It stopped the robot, so a stored minimum lies below the safety distance
  // (deploy/robot.toml: safety_mm 1000, closest_mm 900).
  nlohmann::json minimum;
  EXPECT_TRUE(!api.empty() && eventually(
      [&] {
        if (!buckets_of("min", "min", &minimum)) return false;
        for (const nlohmann::json& b : minimum["points"])
          if (b["value"].get<double>() < 1000.0) return true;
        return false;
      },
      60000))
      << minimum.dump();

  std::vector<pid_t> children = processes_mentioning(run_dir);
  EXPECT_GE(children.size(), 3u) << "expected mosquitto and two nodes";
  kill(up.pid, SIGINT);
  ASSERT_TRUE(up.wait(120000)) << up.output();
  EXPECT_EQ(up.status, 0) << up.output();
  for (pid_t pid : children) EXPECT_NE(kill(pid, 0), 0) << "pid " << pid << " survived";
  EXPECT_TRUE(processes_mentioning(run_dir).empty());
  EXPECT_FALSE(std::filesystem::exists(run_dir + "/robot.tty")) << "the pty link is removed";
  if (!HasFailure()) std::filesystem::remove_all(dir);
}

TEST(Up, KilledUpTakesItsChildrenAlong) {
  if (!have_mosquitto()) GTEST_SKIP() << "mosquitto is not installed (scripts/setup.sh)";
  std::string dir = fresh_dir("kill");
  std::string run_dir = dir + "/run";
  UpProcess up;
  ASSERT_TRUE(up.start({"up", kRobot, "--run-dir", run_dir, "--modules", MODULES_DIR, "--lines"}, dir + "/output.txt"));
  ASSERT_TRUE(eventually([&] { return up.output().find("nodes online") != std::string::npos; }, 120000))
      << up.output();
  ASSERT_FALSE(processes_mentioning(run_dir).empty());
  kill(up.pid, SIGKILL);  // no chance to clean up: the children must go by themselves
  up.wait(30000);
  EXPECT_TRUE(eventually([&] { return processes_mentioning(run_dir).empty(); }, 60000))
      << processes_mentioning(run_dir).size() << " process(es) survived";
  for (pid_t pid : processes_mentioning(run_dir)) kill(pid, SIGKILL);
  if (!HasFailure()) std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace continuum::testing
