// What the API's route files share: a JSON answer with its status, and the
// check of an id that must be one MQTT topic level (a node or stage name,
// docs/protocol.md).
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

#include "api_json.h"

namespace continuum::adapters::http {

// Why the charset parameter: Debian's cpp-httplib 0.11 is built with Brotli
// and compresses a body whose type is text/* or exactly "application/json" or
// "application/javascript" whenever the client accepts br, at Brotli's
// slowest quality: seconds for a large series answer or script. With the
// parameter the type no longer matches and the body goes out as it is
// (loopback and LAN need no compression).
inline constexpr const char* kJsonContentType = "application/json; charset=utf-8";

inline void reply(httplib::Response& res, const nlohmann::json& doc, int status) {
  res.status = status;
  res.set_content(dump(doc) + "\n", kJsonContentType);
}

inline bool is_topic_level(const std::string& s) {
  return !s.empty() && s.size() <= 64 && s.find_first_of("/+#") == std::string::npos &&
         s.find('\0') == std::string::npos;
}

// Whether node N's last heartbeat runs STAGE itself (not moved away, not
// still being moved there): the node to send stage commands to.
inline bool runs_stage(const node::NodeView& n, const std::string& stage) {
  for (const node::StageView& s : n.stages)
    if (s.name == stage && s.state != "moved" && s.state != "adopting") return true;
  return false;
}

}  // namespace continuum::adapters::http
