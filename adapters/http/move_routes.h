// POST /api/stages/<stage>/move (docs/api.md, docs/migration.md): moves a
// running stage to another node. Registered by HttpApi when the node can
// ask nodes to move stages (HttpApiSources::move_stage set).
#pragma once

#include <httplib.h>

#include "continuum/adapters/http_api.h"

namespace continuum::adapters::http {

void add_move_routes(httplib::Server& server, const HttpApiSources::MoveStage& move, node::FleetModel* fleet);

}  // namespace continuum::adapters::http
