// Placing a stage no node runs yet (POST /api/stages/<stage>/place, `continuum
// deploy MODULE --stage NAME` of a new stage; docs/migration.md "Placement",
// docs/api.md): the cloud turns the request into the stage's settings, learns
// from the registry what the module needs (its required grants), asks the
// placement policy (placement_policy.h) which nodes can run it, and sends the
// best one `stage.create` with the settings and the signed module, trying the
// next on a refusal. With "to" only that node, after the same checks.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "continuum/node/fleet.h"
#include "continuum/ota/module_registry.h"

namespace continuum::node::agent {

struct PlacementAnswer {
  int status = 201;     // HTTP status: 201 placed, 400 bad request, 404 unknown module/node, 409 refused,
                        // 504 a node did not answer (it may still start it)
  nlohmann::json body;  // {"stage","node",...} or {"error", "left_out"?, "tried"?}
};

// Sends a command to a node and waits for its result; nullopt and *error on a
// refusal or no answer (the agent's call_node).
using CallNodeFn = std::function<std::optional<nlohmann::json>(const std::string& node, const std::string& cmd,
                                                               const nlohmann::json& args, std::string* error)>;

// REQUEST: the body of POST /api/stages/<stage>/place (docs/api.md). FLEET:
// the fleet view now; SELF: this (placing) node.
PlacementAnswer place_new_stage(const std::string& stage, const nlohmann::json& request,
                                const std::vector<NodeView>& fleet, ota::ModuleRegistry& registry,
                                const std::string& self, const CallNodeFn& call);

}  // namespace continuum::node::agent
