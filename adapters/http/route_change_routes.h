// POST /api/stages/<stage>/route (docs/api.md): rewires one input port of a
// stage to other upstream outputs (the node's stage.route command).
// Registered by HttpApi when the node can send commands to nodes
// (HttpApiSources::route_stage set).
#pragma once

#include <httplib.h>

#include "continuum/adapters/http_api.h"

namespace continuum::adapters::http {

void add_route_change_routes(httplib::Server& server, const HttpApiSources::RouteStage& route,
                             node::FleetModel* fleet);

}  // namespace continuum::adapters::http
