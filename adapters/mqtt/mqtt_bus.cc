#include "continuum/adapters/mqtt_bus.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>

#include "continuum/node/presence.h"
#include "continuum/node/topics.h"

namespace continuum::adapters {

using node::Status;

namespace {

void init_library_once() {
  // mosquitto_lib_init is not thread-safe and only needs to run once.
  static const int initialised = mosquitto_lib_init();
  (void)initialised;
}

Status mosquitto_failure(const char* what, int rc) {
  return Status::failure(std::string(what) + ": " + mosquitto_strerror(rc));
}

const char* or_null(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }

}  // namespace

// Trampolines from libmosquitto's C callbacks (network thread) to the bus.
struct MqttCallbacks {
  static void connect(mosquitto*, void* self, int rc, int, const mosquitto_property*) {
    static_cast<MqttBus*>(self)->handle_connect(rc);
  }
  static void disconnect(mosquitto*, void* self, int, const mosquitto_property*) {
    static_cast<MqttBus*>(self)->handle_disconnect();
  }
  static void publish(mosquitto*, void* self, int mid, int, const mosquitto_property*) {
    static_cast<MqttBus*>(self)->handle_ack(mid);
  }
  static void subscribe(mosquitto*, void* self, int mid, int, const int*, const mosquitto_property*) {
    static_cast<MqttBus*>(self)->handle_suback(mid);
  }
  static void message(mosquitto*, void* self, const mosquitto_message* msg, const mosquitto_property* props) {
    node::Message message;
    message.topic = msg->topic;
    message.payload.assign(static_cast<const char*>(msg->payload), static_cast<size_t>(msg->payloadlen));
    message.retained = msg->retain;
    // A PUBLISH may carry several identifiers (a broker that merges the
    // copies for overlapping subscriptions); mosquitto sends one per copy.
    uint32_t id = 0;
    for (const mosquitto_property* p = mosquitto_property_read_varint(props, MQTT_PROP_SUBSCRIPTION_IDENTIFIER, &id, false);
         p; p = mosquitto_property_read_varint(p, MQTT_PROP_SUBSCRIPTION_IDENTIFIER, &id, true))
      message.subscription_ids.push_back(id);
    static_cast<MqttBus*>(self)->handle_message(message);
  }
};

void use_node_presence(MqttConfig& config, std::string_view node) {
  config.will = MqttRetainedMessage{node::topics::status(node), node::offline_status(node)};
  config.birth = MqttRetainedMessage{node::topics::status(node), node::online_status(node)};
}

MqttBus::MqttBus(MqttConfig config) : config_(std::move(config)) {}

MqttBus::~MqttBus() { stop(); }

void MqttBus::set_message_handler(MessageHandler handler) {
  std::lock_guard lock(handler_mutex_);
  message_handler_ = std::move(handler);
}
void MqttBus::set_ack_handler(AckHandler handler) {
  std::lock_guard lock(handler_mutex_);
  ack_handler_ = std::move(handler);
}
void MqttBus::set_connection_handler(ConnectionHandler handler) {
  std::lock_guard lock(handler_mutex_);
  connection_handler_ = std::move(handler);
}

Status MqttBus::start() {
  init_library_once();
  if (client_) return Status::failure("mqtt: already started");
  if (!config_.clean_start && config_.client_id.empty())
    return Status::failure("mqtt: a persistent session (clean_start = false) needs a client id");
  client_ = mosquitto_new(or_null(config_.client_id), config_.clean_start, this);
  if (!client_) return Status::failure("mqtt: mosquitto_new failed");
  mosquitto_int_option(client_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  mosquitto_int_option(client_, MOSQ_OPT_SEND_MAXIMUM, static_cast<int>(config_.max_inflight));
  // No Nagle: a reading is one small packet that must leave now, not wait
  // for the ack of the previous one (up to 40 ms with delayed ACKs).
  mosquitto_int_option(client_, MOSQ_OPT_TCP_NODELAY, 1);
  mosquitto_connect_v5_callback_set(client_, MqttCallbacks::connect);
  mosquitto_disconnect_v5_callback_set(client_, MqttCallbacks::disconnect);
  mosquitto_publish_v5_callback_set(client_, MqttCallbacks::publish);
  mosquitto_message_v5_callback_set(client_, MqttCallbacks::message);
  mosquitto_subscribe_v5_callback_set(client_, MqttCallbacks::subscribe);
  mosquitto_reconnect_delay_set(client_, config_.reconnect_delay_s, config_.reconnect_delay_max_s, true);

  int rc;
  if (!config_.username.empty() &&
      (rc = mosquitto_username_pw_set(client_, config_.username.c_str(), or_null(config_.password))))
    return mosquitto_failure("mqtt: username/password", rc);
  if (config_.tls &&
      (rc = mosquitto_tls_set(client_, or_null(config_.tls->ca_file), or_null(config_.tls->ca_path),
                              or_null(config_.tls->cert_file), or_null(config_.tls->key_file), nullptr)))
    return mosquitto_failure("mqtt: TLS setup", rc);
  if (config_.will &&
      (rc = mosquitto_will_set_v5(client_, config_.will->topic.c_str(), static_cast<int>(config_.will->payload.size()),
                                  config_.will->payload.data(), config_.will->qos, config_.will->retain, nullptr)))
    return mosquitto_failure("mqtt: will", rc);

  mosquitto_property* connect_props = nullptr;
  if (config_.session_expiry_s > 0)
    mosquitto_property_add_int32(&connect_props, MQTT_PROP_SESSION_EXPIRY_INTERVAL, config_.session_expiry_s);
  rc = mosquitto_connect_bind_v5(client_, config_.host.c_str(), config_.port, config_.keepalive_s, nullptr,
                                 connect_props);
  mosquitto_property_free_all(&connect_props);
  // Started even when the first connect failed: the loop thread keeps
  // reconnecting with backoff (a node may boot before its broker).
  int loop_rc = mosquitto_loop_start(client_);
  if (loop_rc) return mosquitto_failure("mqtt: loop start", loop_rc);
  loop_running_ = true;
  if (rc) return mosquitto_failure("mqtt: first connect failed, retrying in background", rc);
  return Status::success();
}

bool MqttBus::wait_subscribed(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (connected_.load()) {
      std::lock_guard lock(mutex_);
      if (pending_subacks_.empty()) return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void MqttBus::handle_suback(int mid) {
  std::lock_guard lock(mutex_);
  pending_subacks_.erase(mid);
}

bool MqttBus::wait_connected(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!connected_.load()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

void MqttBus::stop() {
  if (!client_) return;
  // With a Will (a node's "offline" status) a clean stop asks the broker to
  // publish it anyway (MQTT 5 reason 0x04): stopped is offline too.
  mosquitto_disconnect_v5(client_, config_.will ? MQTT_RC_DISCONNECT_WITH_WILL_MSG : MQTT_RC_NORMAL_DISCONNECTION,
                          nullptr);
  if (loop_running_) mosquitto_loop_stop(client_, /*force=*/false);
  loop_running_ = false;
  mosquitto_destroy(client_);
  client_ = nullptr;
  connected_ = false;
}

Status MqttBus::publish(const std::string& topic, std::string_view payload, int qos, bool retain, int* token) {
  if (!client_) return Status::failure("mqtt: not started");
  int mid = 0;
  // Under mutex_ so the ack (network thread) cannot be handled before the
  // token is in unacked_.
  std::lock_guard lock(mutex_);
  int rc = mosquitto_publish_v5(client_, &mid, topic.c_str(), static_cast<int>(payload.size()), payload.data(), qos,
                                retain, nullptr);
  if (rc) return mosquitto_failure("mqtt: publish", rc);
  if (qos > 0) unacked_.insert(mid);
  if (token) *token = mid;
  return Status::success();
}

Status MqttBus::subscribe(const std::string& filter, int qos) { return subscribe_tagged(filter, qos, 0); }

Status MqttBus::subscribe_tagged(const std::string& filter, int qos, uint32_t id) {
  if (id > kMaxSubscriptionId)
    return Status::failure("mqtt: subscription identifier " + std::to_string(id) + " is out of range (1.." +
                           std::to_string(kMaxSubscriptionId) + ")");
  std::lock_guard lock(mutex_);
  subscriptions_.push_back({filter, qos, id});
  if (!client_ || !connected_.load()) return Status::success();  // made on (re)connect
  int rc = send_subscribe(subscriptions_.back());
  if (rc) return mosquitto_failure("mqtt: subscribe", rc);
  return Status::success();
}

Status MqttBus::unsubscribe(const std::string& filter) {
  std::lock_guard lock(mutex_);
  std::erase_if(subscriptions_, [&](const Subscription& s) { return s.filter == filter; });
  if (!client_ || !connected_.load()) return Status::success();  // not renewed on reconnect
  int rc = mosquitto_unsubscribe_v5(client_, nullptr, filter.c_str(), nullptr);
  if (rc) return mosquitto_failure("mqtt: unsubscribe", rc);
  return Status::success();
}

// Under mutex_.
int MqttBus::send_subscribe(const Subscription& s) {
  mosquitto_property* props = nullptr;
  if (s.id) mosquitto_property_add_varint(&props, MQTT_PROP_SUBSCRIPTION_IDENTIFIER, s.id);
  int mid = 0;
  int rc = mosquitto_subscribe_v5(client_, &mid, s.filter.c_str(), s.qos, 0, props);
  mosquitto_property_free_all(&props);
  if (rc == 0) pending_subacks_.insert(mid);
  return rc;
}

void MqttBus::drop_connection_abruptly() {
  int fd = client_ ? mosquitto_socket(client_) : -1;
  if (fd >= 0) shutdown(fd, SHUT_RDWR);
}

void MqttBus::handle_connect(int reason_code) {
  if (reason_code != 0) return;  // refused; libmosquitto retries
  ++connect_count_;
  bool resume;
  {
    std::lock_guard lock(mutex_);
    pending_subacks_.clear();  // SUBACKs of a lost connection will not come
    for (const Subscription& s : subscriptions_) send_subscribe(s);
    resume = !unacked_.empty();
    resuming_ = resume;
    if (config_.birth) {
      int mid = 0;
      if (mosquitto_publish_v5(client_, &mid, config_.birth->topic.c_str(),
                               static_cast<int>(config_.birth->payload.size()), config_.birth->payload.data(),
                               config_.birth->qos, config_.birth->retain, nullptr) == 0 &&
          config_.birth->qos > 0)
        unacked_.insert(mid);
    }
  }
  if (!resume) announce_connected();
}

void MqttBus::announce_connected() {
  connected_ = true;
  std::lock_guard lock(handler_mutex_);
  if (connection_handler_) connection_handler_(true);
}

void MqttBus::handle_disconnect() {
  connected_ = false;
  {
    std::lock_guard lock(mutex_);
    resuming_ = false;
  }
  std::lock_guard lock(handler_mutex_);
  if (connection_handler_) connection_handler_(false);
}

void MqttBus::handle_ack(int token) {
  bool resumed = false;
  {
    std::lock_guard lock(mutex_);
    unacked_.erase(token);
    // Any ack after a reconnect comes after libmosquitto resent the old
    // in-flight messages, so newer ones can follow now.
    if (resuming_) {
      resuming_ = false;
      resumed = true;
    }
  }
  {
    std::lock_guard lock(handler_mutex_);
    if (ack_handler_) ack_handler_(token);
  }
  if (resumed) announce_connected();
}

void MqttBus::handle_message(const node::Message& message) {
  std::lock_guard lock(handler_mutex_);
  if (message_handler_) message_handler_(message);
}

}  // namespace continuum::adapters
