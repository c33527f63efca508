// What the commands that talk to node agents over MQTT share (`continuum
// cmd`, `continuum move`): the broker options and a requester id.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "continuum/adapters/mqtt_bus.h"

namespace continuum::cli {

// Where the broker is, as mosquitto_pub spells it: --broker HOST:PORT, or
// -h/--host and -p/--port (so the command's help flag is --help only).
struct BrokerOptions {
  std::string broker, host = "127.0.0.1";
  int port = 1883;
};
void add_broker_options(CLI::App& cmd, BrokerOptions& o);

// --broker HOST:PORT (when given) or -h HOST / -p PORT into *config; false
// and *error ("--broker \"x\": expected HOST:PORT ...") on a bad value.
bool broker_config(const std::string& broker, const std::string& host, int port, adapters::MqttConfig* config,
                   std::string* error);
inline bool broker_config(const BrokerOptions& o, adapters::MqttConfig* config, std::string* error) {
  return broker_config(o.broker, o.host, o.port, config, error);
}

// "cli-" and 12 random hex digits: a private reply topic level per run.
std::string random_requester_id();

}  // namespace continuum::cli
