// Following a rollout (`continuum deploy`, `continuum rollback`): polls
// GET /api/rollouts/<id> and prints one line per node whenever its state
// changes (downloading with chunks and percent, verifying, installing,
// running = confirmed, failed / rolled back with the reason), until every
// node reached a final state, the time is up or Ctrl-C.
//
// Ctrl-C only stops the waiting: the rollout belongs to the nodes and the
// cloud (each node confirms or rolls back by itself), so nothing is left half
// done; the command says how to follow it further.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>

#include "api_client.h"

namespace continuum::cli {

// ROLLOUT: the POST's answer ({"id",...,"targets":[...]}). Returns the exit
// code: 0 when every target confirmed (running), 1 otherwise (a failure, a
// rollback, the timeout, an interruption, the API lost).
int follow_rollout(const ApiClient& api, const nlohmann::json& rollout, std::chrono::seconds timeout);

}  // namespace continuum::cli
