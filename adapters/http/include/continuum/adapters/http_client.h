// A small blocking HTTP GET for the command-line tools that read the API
// (`continuum stats`): the CLI stays free of httplib's header.
#pragma once

#include <string>

namespace continuum::adapters {

struct HttpGetResult {
  bool ok = false;     // a response arrived (any status)
  int status = 0;
  std::string body;
  std::string error;   // why no response arrived
};

// base_url: "http://HOST:PORT" (no path). Times out after timeout_ms.
HttpGetResult http_get(const std::string& base_url, const std::string& path, int timeout_ms = 10'000);

}  // namespace continuum::adapters
