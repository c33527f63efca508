// POST /api/stages/<stage>/place (docs/api.md, docs/migration.md
// "Placement"): places a stage no node runs yet on the node the cloud's
// placement policy picks (or the one asked for). Registered by HttpApi when
// the node can place stages (HttpApiSources::place_stage set: [registry]).
#pragma once

#include <httplib.h>

#include "continuum/adapters/http_api.h"

namespace continuum::adapters::http {

void add_place_routes(httplib::Server& server, const HttpApiSources::PlaceStage& place);

}  // namespace continuum::adapters::http
