// What a stage move puts on the wire (docs/migration.md, "Messages"): binary
// parts (module, snapshot) as base64 inside the stage.adopt command's JSON,
// and a stage's settings as JSON, with its in-process inputs turned into the
// MQTT topics the target subscribes to.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "continuum/node/agent/config.h"

namespace continuum::node::agent {

// RFC 4648 base64 with padding.
std::string base64_encode(std::string_view bytes);
// nullopt when TEXT is not valid base64 (wrong length, character or padding).
std::optional<std::string> base64_decode(std::string_view text);

// A stage's settings for the node it moves to. Every input source must be
// remote (node/stage/port) by now: the caller translates in-process ones.
nlohmann::json stage_settings_json(const StageSettings& settings);
// Back; nullopt and *error naming the member when something is missing or
// mistyped. The module path is left empty (the target decides it).
std::optional<StageSettings> stage_settings_from_json(const nlohmann::json& j, std::string* error);

// Per upstream publisher ("node/stage"), the seq of the last input handled
// or carried: JSON object of integers.
nlohmann::json covered_json(const std::map<std::string, uint64_t, std::less<>>& covered);
bool covered_from_json(const nlohmann::json& j, std::map<std::string, uint64_t, std::less<>>* out,
                       std::string* error);

}  // namespace continuum::node::agent
