// Helpers shared by the node agent tests (polling and config parsing from
// tests/support), stage lookup, a requester that sends node commands and waits for replies.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "continuum/adapters/mqtt_bus.h"
#include "continuum/node/agent/agent.h"
#include "continuum/node/topics.h"
#include "support/node_toml.h"
#include "support/poll.h"

namespace continuum::node::agent::test {

using namespace std::chrono_literals;

using continuum::testing::eventually;
using continuum::testing::parse_config;

inline StageStats stage_of(const AgentStats& s, const std::string& name) {
  for (const StageStats& st : s.stages)
    if (st.name == name) return st;
  ADD_FAILURE() << "no stage " << name;
  return {};
}

// Sends requests on ctm/v1/<node>/cmd and collects every reply on the
// default reply topic and on its own.
class Requester {
 public:
  Requester(int port, std::string node) : node_(std::move(node)) {
    adapters::MqttConfig mc;
    mc.port = port;
    bus_ = std::make_unique<adapters::MqttBus>(mc);
    bus_->set_message_handler([this](const Message& m) {
      std::lock_guard<std::mutex> lock(mutex_);
      replies_.push_back(nlohmann::json::parse(m.payload, nullptr, false));
      changed_.notify_all();
    });
  }
  ~Requester() {
    bus_->set_message_handler({});
    bus_->stop();
  }
  bool start() {
    if (!bus_->start()) return false;
    bus_->subscribe(topics::reply(node_), 1);
    bus_->subscribe(topics::reply(node_, "tester"), 1);
    return bus_->wait_subscribed(30000);
  }
  void send_raw(const std::string& payload) {
    int token = 0;
    bus_->publish(topics::command(node_), payload, 1, false, &token);
  }
  // Sends {"id","cmd","args"} (replies on the default topic) and waits for
  // the reply with that id; null after 30 s.
  nlohmann::json call(const std::string& id, const std::string& cmd, nlohmann::json args = nlohmann::json::object()) {
    send_raw(nlohmann::json{{"id", id}, {"cmd", cmd}, {"args", args}}.dump());
    return wait_for(id);
  }
  nlohmann::json wait_for(const nlohmann::json& id, int nth = 1) {
    std::unique_lock<std::mutex> lock(mutex_);
    nlohmann::json found;
    changed_.wait_for(lock, 30s, [&] {
      int seen = 0;
      for (const nlohmann::json& r : replies_)
        if (r.is_object() && r.value("id", nlohmann::json()) == id && ++seen == nth) found = r;
      return !found.is_null();
    });
    return found;
  }
  std::size_t count_with_id(const nlohmann::json& id) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::size_t n = 0;
    for (const nlohmann::json& r : replies_) n += r.is_object() && r.value("id", nlohmann::json()) == id;
    return n;
  }

 private:
  std::string node_;
  std::unique_ptr<adapters::MqttBus> bus_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<nlohmann::json> replies_;
};

}  // namespace continuum::node::agent::test
