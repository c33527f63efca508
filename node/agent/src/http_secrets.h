// The [http] section's secrets and files, resolved at start (docs/api.md
// "Sign-in, sessions and tokens"): the administrator password's hash (from
// the config's hash, password file or password, or <data_dir>/admin-password,
// generated once with mode 0600 and printed once), the API token (config,
// token file, or <data_dir>/api-token, generated), and the dashboard's
// files (web_root, or web/dist of the source tree this program was built
// from, or ../share/continuum/web beside the installed program).
#pragma once

#include <optional>
#include <string>

#include "continuum/adapters/http_api.h"
#include "continuum/node/agent/config.h"

namespace continuum::node::agent {

// Fills config->auth and config->web_root from the node's config; prints
// what it generated or where the secrets are on stderr. nullopt-like false
// and *error (naming the file or key) when a file cannot be read or made.
bool resolve_http_access(const NodeConfig& node, adapters::HttpApiConfig* config, std::string* error);

// The first line of a file, without its line end; nullopt and *error when
// unreadable or empty.
std::optional<std::string> read_first_line(const std::string& path, std::string* error);

// The dashboard's directory: `configured`, or the first existing default
// (empty when none).
std::string find_web_root(const std::string& configured);

}  // namespace continuum::node::agent
