// MqttBus: the node's MessageBus over MQTT 5 (libmosquitto).
//
// - Threaded: libmosquitto's own network thread (mosquitto_loop_start) runs
//   the connection and calls the handlers.
// - Reconnects by itself with exponential backoff between
//   reconnect_delay_s and reconnect_delay_max_s; QoS 1 messages not yet
//   acknowledged when the connection drops are resent by libmosquitto after
//   the reconnect (same token, so the ack handler still matches them).
// - Optional Will and "birth" message: a node sets the Will to its retained
//   status "offline" and the birth message to the retained "online", which
//   is published on every (re)connect.
// - TLS (mosquitto_tls_set) and username/password when configured.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "continuum/node/message_bus.h"

struct mosquitto;

namespace continuum::adapters {

struct MqttTls {
  std::string ca_file;    // PEM CA bundle (or ca_path)
  std::string ca_path;
  std::string cert_file;  // client certificate, optional
  std::string key_file;
};

struct MqttRetainedMessage {
  std::string topic;
  std::string payload;
  int qos = 1;
  bool retain = true;
};

struct MqttConfig {
  std::string host = "127.0.0.1";
  int port = 1883;
  std::string client_id;      // required when clean_start is false
  bool clean_start = true;
  uint32_t session_expiry_s = 0;  // broker keeps the session this long after a disconnect
  int keepalive_s = 30;
  std::string username;       // empty: none
  std::string password;
  std::optional<MqttTls> tls;
  std::optional<MqttRetainedMessage> will;
  std::optional<MqttRetainedMessage> birth;  // published on every connect
  unsigned reconnect_delay_s = 1;
  unsigned reconnect_delay_max_s = 30;
  unsigned max_inflight = 20;
};

// A node's presence: the Will is its retained "offline" status and the birth
// message its retained "online" status (node/presence.h, topics::status).
void use_node_presence(MqttConfig& config, std::string_view node);

class MqttBus final : public node::MessageBus {
 public:
  explicit MqttBus(MqttConfig config);
  ~MqttBus() override;  // stop()
  MqttBus(const MqttBus&) = delete;
  MqttBus& operator=(const MqttBus&) = delete;

  // Connects and starts the network thread. If the broker is unreachable the
  // thread keeps retrying in the background; the status says so.
  node::Status start();
  // Waits until connected (or the timeout passes).
  bool wait_connected(int timeout_ms);
  // Waits until connected and every subscription acknowledged (SUBACK) on
  // the current connection: from then on, matching messages reach this bus.
  bool wait_subscribed(int timeout_ms);
  // Disconnects (asking the broker to publish the Will, if there is one, so a
  // stopped node reads "offline" too) and stops the network thread.
  void stop();

  void set_message_handler(MessageHandler handler) override;
  void set_ack_handler(AckHandler handler) override;
  void set_connection_handler(ConnectionHandler handler) override;
  node::Status publish(const std::string& topic, std::string_view payload, int qos, bool retain,
                       int* token) override;
  node::Status subscribe(const std::string& filter, int qos) override;
  // MQTT 5 Subscription Identifier (id 0: untagged). Renewed with its id.
  node::Status subscribe_tagged(const std::string& filter, int qos, uint32_t id) override;
  node::Status unsubscribe(const std::string& filter) override;
  static constexpr uint32_t kMaxSubscriptionId = 268'435'455;
  bool connected() const override { return connected_.load(); }

  // Drops the TCP connection without an MQTT DISCONNECT, as a crash or a cut
  // cable would: the broker then publishes the Will. For tests and drills.
  void drop_connection_abruptly();

  uint64_t connect_count() const { return connect_count_.load(); }

 private:
  friend struct MqttCallbacks;  // libmosquitto's C callbacks (mqtt_bus.cc)
  void handle_connect(int reason_code);
  void handle_disconnect();
  void handle_ack(int token);
  void handle_suback(int mid);
  void handle_message(const node::Message& message);
  void announce_connected();
  struct Subscription {
    std::string filter;
    int qos = 0;
    uint32_t id = 0;  // 0: no Subscription Identifier
  };
  int send_subscribe(const Subscription& s);  // libmosquitto rc; under mutex_

  MqttConfig config_;
  mosquitto* client_ = nullptr;
  bool loop_running_ = false;
  std::atomic<bool> connected_{false};
  std::atomic<uint64_t> connect_count_{0};
  std::mutex mutex_;  // guards subscriptions and unacked_
  // Held while a handler runs and while one is replaced, so that once
  // set_*_handler returned the old handler is not running any more (its
  // owner may be destroyed). Recursive: a handler may replace handlers.
  std::recursive_mutex handler_mutex_;
  MessageHandler message_handler_;
  AckHandler ack_handler_;
  ConnectionHandler connection_handler_;
  std::vector<Subscription> subscriptions_;
  // QoS>0 publishes not yet acknowledged. libmosquitto resends them after a
  // reconnect, but only after its on_connect callback has returned; until the
  // first ack after a reconnect shows that resend happened, the bus reports
  // itself not connected so that nobody publishes newer messages ahead of them.
  std::unordered_set<int> unacked_;
  bool resuming_ = false;
  std::unordered_set<int> pending_subacks_;  // SUBSCRIBE mids without SUBACK
};

}  // namespace continuum::adapters
