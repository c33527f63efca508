// The MQTT topic namespace (docs/protocol.md is the reference; this file is
// the only place that spells topics).
#pragma once

#include <string>
#include <string_view>

namespace continuum::node::topics {

inline constexpr std::string_view kRoot = "ctm/v1";

// Retained; "online" on connect, "offline" as the connection's Will.
std::string status(std::string_view node);
// Periodic heartbeat with load figures (not retained).
std::string heartbeat(std::string_view node);
// Commands to a node (QoS 1).
std::string command(std::string_view node);
// Stage outputs: ctm/v1/data/<node>/<stage>/<port> (QoS 1).
std::string data(std::string_view node, std::string_view stage, std::string_view port);
// Filter matching every data topic.
std::string all_data();
// MQTT 5 shared subscription: the broker hands each message to one member of
// `group` only.
std::string shared(std::string_view group, std::string_view filter);

}  // namespace continuum::node::topics
