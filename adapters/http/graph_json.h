// GET /api/graph (docs/api.md): the fleet model as a data-flow graph for the
// dashboard: machines (nodes of the fleet), and inside them sensors,
// devices, actuators (from stage grants), stages and sinks (ingesting
// nodes); edges for device wiring, stage-to-stage routes (from the inputs
// each heartbeat reports) and published outputs to the sinks, labelled with
// the sending stage's rate and coloured by its health. Pure function.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "continuum/node/fleet.h"

namespace continuum::adapters::http {

nlohmann::json graph_json(const std::vector<node::NodeView>& nodes);

// "ok", "warning", "error" or "offline" (docs/api.md).
std::string stage_health(const node::NodeView& machine, const node::StageView& stage);

}  // namespace continuum::adapters::http
