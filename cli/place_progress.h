// Placing a new stage (`continuum deploy MODULE --stage NAME` of a stage no
// node runs; docs/ota.md "A new stage", docs/migration.md "Placement"): asks
// the cloud to place it (POST /api/stages/<stage>/place), prints where it went
// and why the other nodes were left out, then follows the fleet view (GET
// /api/nodes) until the chosen node's heartbeat shows the stage running.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "api_client.h"

namespace continuum::cli {

// REQUEST: the place request (docs/api.md). Returns the exit code: 0 once
// the stage runs, 1 when refused (the API's message names every node's
// reason), failed at start, or not seen running within TIMEOUT.
int place_and_follow(const ApiClient& api, const std::string& stage, const nlohmann::json& request,
                     std::chrono::seconds timeout);

}  // namespace continuum::cli
