// A small blocking HTTP client for the command-line tools that call the API
// (`continuum stats`, `deploy`, `ls`, ...): the CLI stays free of httplib's
// header. Requests carry `Authorization: Bearer <token>` when a token is
// given (docs/api.md "Sign-in, sessions and tokens"): from a --token option,
// or api_token_from_env() (CONTINUUM_API_TOKEN).
#pragma once

#include <string>

namespace continuum::adapters {

struct HttpGetResult {
  bool ok = false;     // a response arrived (any status)
  int status = 0;
  std::string body;
  std::string error;   // why no response arrived
};
using HttpResult = HttpGetResult;

struct HttpRequestOptions {
  std::string bearer_token;  // empty: no Authorization header
  int timeout_ms = 10'000;
};

// The API token of the environment variable CONTINUUM_API_TOKEN, or "".
std::string api_token_from_env();

// base_url: "http://HOST:PORT" (no path).
HttpResult http_get(const std::string& base_url, const std::string& path, const HttpRequestOptions& options);
// An empty body is sent with Content-Length: 0.
HttpResult http_post(const std::string& base_url, const std::string& path, const std::string& body,
                     const std::string& content_type, const HttpRequestOptions& options);

// GET with the token of CONTINUUM_API_TOKEN (if set); times out after timeout_ms.
HttpGetResult http_get(const std::string& base_url, const std::string& path, int timeout_ms = 10'000);

}  // namespace continuum::adapters
