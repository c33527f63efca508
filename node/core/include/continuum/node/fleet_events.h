// What the cloud turns into events-log entries (event_log.h), from what it
// already receives: a node's view before and after a status or heartbeat
// (FleetModel), and the OTA status messages nodes send (ctm/v1/<node>/ota/status,
// docs/ota.md). Pure logic: no clock (ts_ms is the caller's), no bus.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "continuum/node/event_log.h"
#include "continuum/node/fleet.h"

namespace continuum::node {

// A status that flipped the node's state: online / offline. Nothing when the
// state did not change.
std::vector<FleetEvent> events_from_status(const std::optional<NodeView>& before, const NodeView& after,
                                           int64_t now_ms);

// Stage counters that grew since the last heartbeat (traps, out_of_fuel,
// restarts, rollbacks, refusal_storms) and the outbox overflow counter. The
// first heartbeat of a node (no `before`) reports what it already counted,
// so a dashboard opened after a crash loop still sees it; a counter that went
// down (the node restarted) counts from zero again.
std::vector<FleetEvent> events_from_heartbeat(const std::optional<NodeView>& before, const NodeView& after,
                                              int64_t now_ms);

// An ota/status payload: failed (module-refused when the node refused the
// module itself: signature, key, hash, downgrade, grants), rolled-back,
// running. Nothing for progress states or what is not a status object.
std::optional<FleetEvent> event_from_ota_status(std::string_view node, std::string_view payload, int64_t now_ms);

}  // namespace continuum::node
