// [placement] acting on load and on a node that comes back (docs/migration.md
// "Placement"), with `continuum node` processes on a real mosquitto and real
// CPU load (each node's heartbeat measures its own process):
// * two fuel-burning stages on w1 keep its load above the threshold while w2
//   idles: one stage moves to w2 (live, stage.migrate), once; every message
//   is handled exactly once across the move and the stage does not move back;
// * a killed node's stage is re-placed; when the node comes back it runs its
//   configured copy again and the placement service makes it stand down:
//   every later message is handled once, by the re-placed copy.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "continuum/adapters/mqtt_bus.h"
#include "continuum/node/topics.h"
#include "support/envelopes.h"
#include "support/mqtt_probe.h"
#include "support/poll.h"
#include "support/server_process.h"

namespace continuum::node::agent {
namespace {

using nlohmann::json;
using testing::eventually;
using namespace std::chrono_literals;

std::string burn_stage(const std::string& name, const std::string& input) {
  return "[[stages]]\nname = \"" + name + "\"\nmodule = \"" + BURN_WASM +
         "\"\ngrants = [\"emit:out\"]\ninputs = { in = \"gen/src/" + input + "\" }\nqueue = 100000\n";
}

class Placement : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(broker_.start()) << broker_.log();
    probe_ = std::make_unique<testing::MqttProbe>(broker_.port());
    ASSERT_TRUE(probe_->start());
    for (const std::string& t : {topics::all_data(), topics::all_heartbeats(), topics::all_placements()})
      ASSERT_TRUE(probe_->subscribe(t, 1));
    ASSERT_TRUE(probe_->wait_subscribed(30000));
    adapters::MqttConfig pc;
    pc.port = broker_.port();
    publisher_ = std::make_unique<adapters::MqttBus>(pc);
    publisher_->set_ack_handler([&](int) { ++acked_; });
    ASSERT_TRUE(publisher_->start());
    ASSERT_TRUE(publisher_->wait_connected(30000));
  }
  void TearDown() override {
    stop_feeding();
    publisher_->stop();
    for (auto& [id, process] : nodes_) process->stop();
  }

  std::filesystem::path log_of(const std::string& id) { return dir_.path() / (id + ".log"); }
  std::string logs() {
    std::string all = broker_.log();
    for (const auto& [id, process] : nodes_) {
      std::ifstream in(log_of(id));
      all += "\n--- " + id + "\n" + std::string(std::istreambuf_iterator<char>(in), {});
    }
    return all;
  }
  void start_node(const std::string& id, const std::string& extra) {
    const std::filesystem::path config = dir_.path() / (id + ".toml");
    std::ofstream(config) << "[node]\nid = \"" << id << "\"\ntier = \"fog\"\ndata_dir = \"" << (dir_.path() / id).string()
                          << "\"\nheartbeat = \"500ms\"\n[mqtt]\nport = " << broker_.port() << "\n"
                          << extra;
    auto process = std::make_unique<testing::ChildProcess>();
    ASSERT_TRUE(process->start({CONTINUUM_BIN, "node", "--config", config.string()}, log_of(id).string()));
    nodes_[id] = std::move(process);
  }
  std::vector<json> heartbeats(const std::string& node) {
    std::vector<json> out;
    for (const Message& m : probe_->messages())
      if (m.topic == topics::heartbeat(node)) out.push_back(json::parse(m.payload, nullptr, false));
    return out;
  }
  // Heartbeats count from the second (the first may come before the subscriptions).
  void wait_ready(const std::vector<std::string>& nodes) {
    for (const std::string& n : nodes)
      ASSERT_TRUE(eventually([&] { return heartbeats(n).size() >= 2; }, 60s)) << n << " sent no heartbeats\n"
                                                                             << logs();
  }
  std::string stage_state(const std::string& node, const std::string& stage) {
    std::vector<json> hbs = heartbeats(node);
    if (hbs.empty() || !hbs.back().contains("stage_stats") || !hbs.back()["stage_stats"].contains(stage)) return "";
    return hbs.back()["stage_stats"][stage].value("state", "");
  }
  std::vector<json> verdicts(const std::string& stage) {
    std::vector<json> out;
    for (const Message& m : probe_->messages())
      if (m.topic == topics::placement(stage) && !m.payload.empty()) out.push_back(json::parse(m.payload));
    return out;
  }
  // The counts STAGE emitted (publisher PUBLISHER), in arrival order; a
  // message may carry one envelope or a batch of them (docs/protocol.md).
  std::vector<int> counts(const std::string& publisher, const std::string& stage) {
    std::vector<int> out;
    for (const Message& m : probe_->messages()) {
      if (m.topic != topics::data(publisher, stage, "out")) continue;
      for (const json& e : continuum::testing::data_message_envelopes(m.payload))
        out.push_back(e["values"]["n"].get<int>());
    }
    return out;
  }
  // Every count from 1 to SENT exactly once.
  void expect_each_once(const std::string& publisher, const std::string& stage, uint64_t sent) {
    ASSERT_TRUE(eventually([&] { return counts(publisher, stage).size() >= sent; }, 60s))
        << stage << ": " << counts(publisher, stage).size() << " outputs of " << sent << "\n"
        << logs();
    std::vector<int> n = counts(publisher, stage);
    std::sort(n.begin(), n.end());
    ASSERT_EQ(n.size(), sent) << stage << ": a message handled twice";
    for (uint64_t i = 0; i < sent; ++i) ASSERT_EQ(n[i], static_cast<int>(i + 1)) << stage << ": lost or twice";
  }

  void publish(const std::string& input, uint64_t seq) {
    int token = 0;
    json e = {{"node", "gen"}, {"stage", "src"}, {"seq", seq}, {"ts", 1763712000000 + int64_t(seq)},
              {"values", {{"v", seq}}}};
    ASSERT_TRUE(publisher_->publish(topics::data("gen", "src", input), e.dump(), 1, false, &token));
    ++published_;
  }
  // Publishes to every INPUT at RATE_ per second each until stop_feeding().
  void feed(std::vector<std::string> inputs) {
    feeder_ = std::thread([this, inputs] {
      auto next = std::chrono::steady_clock::now();
      for (uint64_t seq = 1; !stop_; ++seq) {
        for (const std::string& input : inputs) publish(input, seq);
        sent_ = seq;
        next += std::chrono::microseconds(1000000 / rate_.load());
        std::this_thread::sleep_until(next);
        if (std::chrono::steady_clock::now() > next + 1s) next = std::chrono::steady_clock::now();  // no burst after a stall
      }
    });
  }
  void stop_feeding() {
    stop_ = true;
    if (feeder_.joinable()) feeder_.join();
    EXPECT_TRUE(eventually([&] { return acked_ >= published_; }, 60s)) << acked_ << " of " << published_ << " acked";
  }
  // The median cpu_percent of NODE's next K heartbeats.
  double cpu_over(const std::string& node, std::size_t k) {
    const std::size_t from = heartbeats(node).size();
    EXPECT_TRUE(eventually([&] { return heartbeats(node).size() >= from + k; }, 60s));
    std::vector<double> cpu;
    std::vector<json> hbs = heartbeats(node);
    for (std::size_t i = from; i < from + k && i < hbs.size(); ++i)
      cpu.push_back(hbs[i]["process"].value("cpu_percent", 0.0));
    std::sort(cpu.begin(), cpu.end());
    return cpu.empty() ? 0 : cpu[cpu.size() / 2];
  }

  testing::MosquittoServer broker_;
  testing::TempDir dir_;
  std::unique_ptr<testing::MqttProbe> probe_;
  std::unique_ptr<adapters::MqttBus> publisher_;
  std::map<std::string, std::unique_ptr<testing::ChildProcess>> nodes_;
  std::thread feeder_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> sent_{0}, published_{0}, acked_{0};
  std::atomic<int> rate_{40};
};

TEST_F(Placement, ASustainedLoadMovesOneStageOnceAndEveryMessageIsHandledOnce) {
  start_node("w1", burn_stage("hot-a", "a") + burn_stage("hot-b", "b"));
  start_node("w2", "");
  wait_ready({"w1", "w2"});
  feed({"a", "b"});
  // The load the two stages make on this machine (release or sanitizer
  // build, loaded or not): raise the rate until w1 is clearly busy. The
  // threshold is then set between one stage's share and both's, far from
  // the noise: w1 (both) is above it, either node with one stage under it.
  double load = 0;
  for (;;) {
    load = cpu_over("w1", 4);
    if (load >= 40 || rate_ >= 1280) break;
    rate_ = rate_ * 2;
    cpu_over("w1", 2);  // the heartbeat straddling the change
  }
  ASSERT_GE(load, 20) << "w1 does not get busy at " << rate_ << " messages/s per stage\n" << logs();
  const double threshold = 0.75 * load, margin = 0.1 * load;
  std::fprintf(stderr, "w1 at %.0f%% with both stages (%d messages/s each): threshold %.0f%%, margin %.0f%%\n", load,
               rate_.load(), threshold, margin);
  start_node("cloud-1", "[placement]\nload_threshold = " + std::to_string(threshold) +
                            "\nload_window = \"2s\"\ncooldown = \"10m\"\nload_margin = " + std::to_string(margin) +
                            "\n");

  std::string moved;
  ASSERT_TRUE(eventually([&] {
    for (const char* stage : {"hot-a", "hot-b"})
      if (!verdicts(stage).empty()) moved = stage;
    return !moved.empty();
  }, 60s)) << logs();
  json verdict = verdicts(moved).front();
  EXPECT_EQ(verdict["state"], "moved") << verdict.dump();
  EXPECT_EQ(verdict["cause"], "load");
  EXPECT_EQ(verdict["from"], "w1");
  EXPECT_EQ(verdict["node"], "w2");
  ASSERT_TRUE(eventually([&] { return stage_state("w2", moved) == "running" && stage_state("w1", moved) == "moved"; },
                         60s))
      << logs();
  // It stays: several windows of the same feed later, no other verdict.
  const std::size_t w2_beats = heartbeats("w2").size();
  ASSERT_TRUE(eventually([&] { return heartbeats("w2").size() >= w2_beats + 12; }, 60s));
  stop_feeding();
  EXPECT_EQ(verdicts("hot-a").size() + verdicts("hot-b").size(), 1u) << logs();
  EXPECT_EQ(stage_state("w2", moved), "running");
  // Nothing lost or handled twice, on either stage.
  expect_each_once("w1", "hot-a", sent_);
  expect_each_once("w1", "hot-b", sent_);
}

TEST_F(Placement, AReplacedStagesOldNodeComesBackAndStandsDown) {
  start_node("cloud-1", "[placement]\nload_threshold = 0\n");
  start_node("w2", "");
  const std::string fog = "[migration]\nsnapshot_every = \"100ms\"\n" + burn_stage("hot", "a");
  start_node("w1", fog);
  wait_ready({"cloud-1", "w1", "w2"});
  for (uint64_t seq = 1; seq <= 20; ++seq) publish("a", seq);
  // Killed once a snapshot taken after the 20 were handled went out: nothing is lost.
  ASSERT_TRUE(eventually([&] { return counts("w1", "hot").size() >= 20; }, 60s)) << logs();
  const std::size_t handled_at = probe_->messages().size();
  ASSERT_TRUE(probe_->subscribe(topics::stage_snapshot("w1", "hot"), 1));
  ASSERT_TRUE(eventually([&] {
    std::vector<Message> all = probe_->messages();
    for (std::size_t i = handled_at; i < all.size(); ++i)
      if (all[i].topic == topics::stage_snapshot("w1", "hot") && !all[i].payload.empty() &&
          json::parse(all[i].payload).contains("snapshot") && !all[i].retained)
        return true;
    return false;
  }, 60s)) << logs();
  nodes_["w1"]->kill_now();
  ASSERT_TRUE(eventually([&] { return !verdicts("hot").empty(); }, 60s)) << logs();
  EXPECT_EQ(verdicts("hot").back()["state"], "replaced");
  EXPECT_EQ(verdicts("hot").back()["node"], "w2");

  // Back: it starts its configured copy, and is told to stand down.
  const std::size_t before = heartbeats("w1").size();
  start_node("w1", fog);
  ASSERT_TRUE(eventually([&] { return heartbeats("w1").size() > before && stage_state("w1", "hot") == "moved"; }, 60s))
      << logs();
  EXPECT_EQ(heartbeats("w1").back()["stage_stats"]["hot"].value("moved_to", ""), "w2");
  for (uint64_t seq = 21; seq <= 30; ++seq) publish("a", seq);
  expect_each_once("w1", "hot", 30);  // one copy: 21..30 once, after 1..20
  EXPECT_EQ(stage_state("w2", "hot"), "running");

  // Standing down is recorded on the node (a "moved" stage record): after
  // another restart it does not run its copy at all, nothing to stand down.
  nodes_["w1"]->stop();
  const std::size_t again = heartbeats("w1").size();
  start_node("w1", fog);
  ASSERT_TRUE(eventually([&] { return heartbeats("w1").size() >= again + 3; }, 60s)) << logs();
  EXPECT_EQ(stage_state("w1", "hot"), "moved");
  std::ifstream cloud_log(log_of("cloud-1"));
  std::string text((std::istreambuf_iterator<char>(cloud_log)), {});
  std::size_t stand_downs = 0;
  for (std::size_t at = text.find("stood down"); at != std::string::npos; at = text.find("stood down", at + 1))
    ++stand_downs;
  EXPECT_EQ(stand_downs, 1u) << text;
  for (uint64_t seq = 31; seq <= 35; ++seq) publish("a", seq);
  expect_each_once("w1", "hot", 35);
}

}  // namespace
}  // namespace continuum::node::agent
