// The /api/modules endpoints (docs/api.md "Module registry"): list, metadata
// and bytes of the registry's modules, upload of a signed module (checked by
// ota::admit_module) and an OTA offer to a node. Registered by HttpApi only
// when the node has a [registry] (HttpApiSources::registry.modules set).
#pragma once

#include <httplib.h>

#include "continuum/adapters/http_api.h"

namespace continuum::adapters::http {

void add_registry_routes(httplib::Server& server, const RegistrySources& registry);

}  // namespace continuum::adapters::http
