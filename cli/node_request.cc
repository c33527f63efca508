#include "node_request.h"

#include <unistd.h>

#include <cstdlib>
#include <random>

namespace continuum::cli {

bool broker_config(const std::string& broker, const std::string& host, int port, adapters::MqttConfig* config,
                   std::string* error) {
  config->host = host;
  config->port = port;
  if (!broker.empty()) {
    std::size_t colon = broker.rfind(':');
    char* end = nullptr;
    long p = colon == std::string::npos ? 0 : std::strtol(broker.c_str() + colon + 1, &end, 10);
    if (colon == std::string::npos || colon == 0 || !end || *end != '\0' || p < 1 || p > 65535) {
      *error = "--broker \"" + broker + "\": expected HOST:PORT (e.g. 127.0.0.1:1883)";
      return false;
    }
    config->host = broker.substr(0, colon);
    config->port = static_cast<int>(p);
  }
  if (config->port < 1 || config->port > 65535) {
    *error = "--port " + std::to_string(config->port) + ": expected a TCP port (1-65535)";
    return false;
  }
  return true;
}

std::string random_requester_id() {
  std::random_device device;
  std::mt19937_64 random(device() ^ (static_cast<uint64_t>(getpid()) << 32));
  static const char kHex[] = "0123456789abcdef";
  std::string out = "cli-";
  for (int i = 0; i < 12; ++i) out += kHex[random() % 16];
  return out;
}

void add_broker_options(CLI::App& cmd, BrokerOptions& o) {
  cmd.set_help_flag("--help", "Print this help message and exit");  // -h is the broker host, as in mosquitto_pub
  cmd.add_option("--broker", o.broker, "The broker as HOST:PORT (default 127.0.0.1:1883)");
  cmd.add_option("-h,--host", o.host, "The broker's host (default 127.0.0.1)");
  cmd.add_option("-p,--port", o.port, "The broker's port (default 1883)");
}

}  // namespace continuum::cli
