// What the API's route files share: a JSON answer with its status, and the
// check of an id that must be one MQTT topic level (a node or stage name,
// docs/protocol.md).
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

#include "api_json.h"

namespace continuum::adapters::http {

inline void reply(httplib::Response& res, const nlohmann::json& doc, int status) {
  res.status = status;
  res.set_content(dump(doc) + "\n", "application/json");
}

inline bool is_topic_level(const std::string& s) {
  return !s.empty() && s.size() <= 64 && s.find_first_of("/+#") == std::string::npos &&
         s.find('\0') == std::string::npos;
}

}  // namespace continuum::adapters::http
