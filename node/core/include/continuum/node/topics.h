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
// Default topic of the replies to a node's commands (QoS 1).
std::string reply(std::string_view node);
// A requester's private reply topic (ctm/v1/<node>/reply/<requester>), so
// concurrent requesters do not see each other's replies.
std::string reply(std::string_view node, std::string_view requester);
// Stage outputs: ctm/v1/data/<node>/<stage>/<port> (QoS 1).
std::string data(std::string_view node, std::string_view stage, std::string_view port);
// Filter matching every data topic.
std::string all_data();
// True for a data topic (ctm/v1/data/...).
bool is_data(std::string_view topic);
// Filters matching every node's status / heartbeat (the cloud's fleet view).
std::string all_statuses();
std::string all_heartbeats();
// MQTT 5 shared subscription: the broker hands each message to one member of
// `group` only.
std::string shared(std::string_view group, std::string_view filter);

// Over-the-air updates (docs/ota.md): ctm/v1/<node>/ota/{offer,request,chunk,status}.
std::string ota_offer(std::string_view node);    // cloud -> node, retained
std::string ota_request(std::string_view node);  // node -> cloud
std::string ota_chunk(std::string_view node);    // cloud -> node
std::string ota_status(std::string_view node);   // node -> cloud, retained
// Filters over every node: ctm/v1/+/ota/request and ctm/v1/+/ota/status.
std::string ota_all_requests();
std::string ota_all_status();
// Live migration and placement (docs/migration.md): a node's last snapshot
// of each stage, retained (ctm/v1/<node>/snapshot/<stage>); every node's;
// the placement service's verdict on a stage, retained
// (ctm/v1/placement/<stage>).
std::string stage_snapshot(std::string_view node, std::string_view stage);
std::string all_stage_snapshots();
std::string placement(std::string_view stage);
std::string all_placements();

// The <node> level of an ota topic, or "" when `topic` is not
// ctm/v1/<node>/ota/<leaf>.
std::string ota_node_of(std::string_view topic, std::string_view leaf);

}  // namespace continuum::node::topics
