// Deploy and rollback of a stage across the nodes that run it (docs/api.md
// "Deploy and rollback"): POST /api/stages/<stage>/deploy and
// POST /api/stages/<stage>/rollback pick the target nodes from the fleet view
// and start a rollout (RegistrySources::deploy / rollback); GET
// /api/rollouts[/<id>] tell its progress per node, which also goes to the
// event stream as `rollout` events. Registered by HttpApi when the node has a
// [registry] (RegistrySources::deploy set).
#pragma once

#include <httplib.h>

#include "continuum/adapters/http_api.h"
#include "continuum/node/fleet.h"

namespace continuum::adapters::http {

void add_rollout_routes(httplib::Server& server, const RegistrySources& registry, node::FleetModel* fleet);

}  // namespace continuum::adapters::http
