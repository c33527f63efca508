// MessageBus: what the node core needs from a publish/subscribe transport.
// Implemented by adapters/mqtt (MqttBus) over MQTT 5.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "continuum/node/status.h"

namespace continuum::node {

struct Message {
  std::string topic;
  std::string payload;
  bool retained = false;
  // The identifiers of the subscriptions this copy was delivered for
  // (subscribe_tagged); empty for untagged subscriptions. A broker sends one
  // copy per matching subscription, so a client whose subscriptions overlap
  // tells the copies apart by these.
  std::vector<uint32_t> subscription_ids;
};

class MessageBus {
 public:
  using MessageHandler = std::function<void(const Message&)>;
  // Called once per QoS>=1 publish when the broker acknowledged it, with the
  // token publish() returned.
  using AckHandler = std::function<void(int token)>;
  using ConnectionHandler = std::function<void(bool connected)>;

  virtual ~MessageBus() = default;

  // Handlers are called on the bus's own thread. Once a set_*_handler call
  // returned, the previous handler is no longer running, so its owner may be
  // destroyed after clearing it (passing an empty function).
  virtual void set_message_handler(MessageHandler handler) = 0;
  virtual void set_ack_handler(AckHandler handler) = 0;
  virtual void set_connection_handler(ConnectionHandler handler) = 0;

  // Contract: a QoS 1 message that publish() accepted is delivered at least
  // once even if the connection drops and comes back (the bus retries it);
  // *token identifies it in the ack handler.
  virtual Status publish(const std::string& topic, std::string_view payload, int qos, bool retain,
                         int* token) = 0;
  // Subscriptions are renewed on every reconnect.
  virtual Status subscribe(const std::string& filter, int qos) = 0;
  // Like subscribe(), and every copy delivered because of this subscription
  // carries `id` in Message::subscription_ids (an MQTT 5 Subscription
  // Identifier, 1..268435455). A bus that cannot tag says so.
  virtual Status subscribe_tagged(const std::string& filter, int qos, uint32_t id) {
    (void)filter, (void)qos, (void)id;
    return Status::failure("this bus cannot tag subscriptions with identifiers");
  }
  // Drops every subscription made with exactly FILTER (a stage input
  // rerouted away from a topic): no longer renewed on reconnect either.
  virtual Status unsubscribe(const std::string& filter) {
    (void)filter;
    return Status::failure("this bus cannot unsubscribe");
  }
  virtual bool connected() const = 0;
};

}  // namespace continuum::node
