// What the commands that talk to node agents over MQTT share (`continuum
// cmd`, `continuum move`): the broker options and a requester id.
#pragma once

#include <string>

#include "continuum/adapters/mqtt_bus.h"

namespace continuum::cli {

// --broker HOST:PORT (when given) or -h HOST / -p PORT into *config; false
// and *error ("--broker \"x\": expected HOST:PORT ...") on a bad value.
bool broker_config(const std::string& broker, const std::string& host, int port, adapters::MqttConfig* config,
                   std::string* error);

// "cli-" and 12 random hex digits: a private reply topic level per run.
std::string random_requester_id();

}  // namespace continuum::cli
