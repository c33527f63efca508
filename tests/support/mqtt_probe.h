// MQTT clients for tests: a client config that reconnects within a second
// (the tests stop and start brokers), and a probe that subscribes to topics
// on a real broker and keeps every message it receives, for tests to look at
// while a node runs. Header-only: the test binary links continuum_adapter_mqtt.
#pragma once

#include <string>
#include <vector>

#include "continuum/adapters/mqtt_bus.h"
#include "support/collector.h"

namespace continuum::testing {

// A client on 127.0.0.1:port that retries a lost connection every second.
inline adapters::MqttConfig quick_reconnect_client(int port, const std::string& client_id = "",
                                                   int keepalive_s = adapters::MqttConfig{}.keepalive_s) {
  adapters::MqttConfig config;
  config.port = port;
  config.client_id = client_id;
  config.keepalive_s = keepalive_s;
  config.reconnect_delay_s = 1;
  config.reconnect_delay_max_s = 1;
  return config;
}

class MqttProbe {
 public:
  explicit MqttProbe(int port) : bus_(config(port)) { collector_.attach(bus_); }
  ~MqttProbe() { stop(); }
  MqttProbe(const MqttProbe&) = delete;
  MqttProbe& operator=(const MqttProbe&) = delete;

  bool start() { return bus_.start().ok; }
  bool subscribe(const std::string& topic, int qos) { return bus_.subscribe(topic, qos).ok; }
  // True once the broker acknowledged every subscription made so far.
  bool wait_subscribed(int timeout_ms) { return bus_.wait_subscribed(timeout_ms); }
  // No message arrives after this returns.
  void stop() {
    bus_.set_message_handler({});
    bus_.stop();
  }

  std::vector<node::Message> messages() { return collector_.snapshot(); }
  // Each message with the time it arrived, in order.
  std::vector<std::pair<std::chrono::steady_clock::time_point, node::Message>> timed_messages() {
    std::vector<std::chrono::steady_clock::time_point> at = collector_.arrival_times();
    std::vector<node::Message> all = messages();
    std::vector<std::pair<std::chrono::steady_clock::time_point, node::Message>> out;
    for (std::size_t i = 0; i < all.size() && i < at.size(); ++i) out.push_back({at[i], all[i]});
    return out;
  }
  // The payload of the last message received, "" before the first.
  std::string last_payload() {
    std::vector<node::Message> all = messages();
    return all.empty() ? std::string() : all.back().payload;
  }
  // The payload of the last message the broker delivered as retained.
  std::string last_retained_payload() {
    std::string found;
    for (const node::Message& m : messages())
      if (m.retained) found = m.payload;
    return found;
  }

 private:
  static adapters::MqttConfig config(int port) {
    adapters::MqttConfig c;
    c.port = port;
    return c;
  }

  adapters::MqttBus bus_;
  Collector collector_;
};

}  // namespace continuum::testing
