// JSON shapes of the HTTP API (docs/api.md shows each with an example).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "continuum/node/fleet.h"
#include "continuum/node/ingest.h"
#include "continuum/node/reading.h"

namespace continuum::adapters::http {

nlohmann::json stage_json(const node::StageView& stage);
// `now_ms` gives last_seen_age_s.
nlohmann::json node_json(const node::NodeView& node, int64_t now_ms);
nlohmann::json summary_json(const node::LatencySummary& summary);
nlohmann::json latency_json(const node::IngestLatency& latency);
nlohmann::json reading_json(const node::Reading& reading, int64_t received_ms);
// Text values may hold anything a node sent: invalid UTF-8 is replaced
// rather than thrown about.
std::string dump(const nlohmann::json& doc);

}  // namespace continuum::adapters::http
