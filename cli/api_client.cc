#include "api_client.h"

#include <CLI/CLI.hpp>
#include <cstdio>

#include "continuum/adapters/http_client.h"

namespace continuum::cli {

using nlohmann::json;

void add_api_options(CLI::App& command, ApiOptions& options) {
  command.add_option("--api", options.api, "Base URL of the cloud node's HTTP API ([http] section)")
      ->capture_default_str();
  command.add_option("--token", options.token,
                     "API token sent as Authorization: Bearer (default: $CONTINUUM_API_TOKEN)");
}

std::optional<ApiClient> ApiClient::open(const ApiOptions& options) {
  std::string api = options.api;
  while (!api.empty() && api.back() == '/') api.pop_back();
  if (api.rfind("http://", 0) != 0 || api.size() <= 7) {
    std::fprintf(stderr, "error: --api: expected an http:// URL like http://127.0.0.1:8080, got \"%s\"\n",
                 options.api.c_str());
    return std::nullopt;
  }
  std::string token = options.token;
  if (token.empty()) token = adapters::api_token_from_env();
  return ApiClient(api, token);
}

json ApiClient::get(const std::string& path) const {
  adapters::HttpRequestOptions options;
  options.bearer_token = token_;
  adapters::HttpResult r = adapters::http_get(api_, path, options);
  return answer("GET", path, r.ok, r.status, r.body, r.error);
}

json ApiClient::post(const std::string& path, const std::string& body, const std::string& content_type) const {
  adapters::HttpRequestOptions options;
  options.bearer_token = token_;
  options.timeout_ms = 60'000;  // an upload of a large module
  adapters::HttpResult r = adapters::http_post(api_, path, body, content_type, options);
  return answer("POST", path, r.ok, r.status, r.body, r.error);
}

json ApiClient::answer(const std::string& method, const std::string& path, bool ok, int status,
                       const std::string& body, const std::string& error) const {
  if (!ok) {
    std::fprintf(stderr,
                 "error: cannot reach the API at %s (%s); expected a cloud node with an [http] section, "
                 "e.g. --api http://127.0.0.1:8080\n",
                 api_.c_str(), error.c_str());
    return nullptr;
  }
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (status < 200 || status > 299) {
    std::string message = doc.is_object() && doc.contains("error") && doc["error"].is_string()
                              ? doc["error"].get<std::string>()
                              : body;
    while (!message.empty() && message.back() == '\n') message.pop_back();
    const char* hint = "";
    if (status == 401)
      hint = " (send the API token: --token TOKEN or CONTINUUM_API_TOKEN; docs/api.md \"Sign-in, sessions and tokens\")";
    std::fprintf(stderr, "error: %s %s answered HTTP %d: %s%s\n", method.c_str(), path.c_str(), status,
                 message.c_str(), hint);
    return nullptr;
  }
  if (doc.is_discarded()) {
    std::fprintf(stderr, "error: %s%s did not answer JSON; is this a Continuum API?\n", api_.c_str(), path.c_str());
    return nullptr;
  }
  return doc;
}

std::string url_segment(const std::string& text) {
  static const char* const kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace continuum::cli
