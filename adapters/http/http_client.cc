#include "continuum/adapters/http_client.h"

#include <httplib.h>

#include <cstdlib>
#include <memory>

namespace continuum::adapters {

namespace {

// A client for base_url, or nullptr and result->error.
std::unique_ptr<httplib::Client> client_for(const std::string& base_url, const HttpRequestOptions& options,
                                            HttpResult* result) {
  if (base_url.rfind("http://", 0) != 0) {
    result->error = "expected an http:// URL like http://127.0.0.1:8080, got \"" + base_url + "\"";
    return nullptr;
  }
  auto client = std::make_unique<httplib::Client>(base_url);
  if (!client->is_valid()) {
    result->error = "cannot use the URL \"" + base_url + "\"";
    return nullptr;
  }
  const time_t seconds = options.timeout_ms / 1000;
  const time_t micros = (options.timeout_ms % 1000) * 1000;
  client->set_connection_timeout(seconds, micros);
  client->set_read_timeout(seconds, micros);
  client->set_write_timeout(seconds, micros);
  if (!options.bearer_token.empty()) client->set_bearer_token_auth(options.bearer_token.c_str());
  return client;
}

HttpResult finish(const httplib::Result& response) {
  HttpResult result;
  if (!response) {
    result.error = httplib::to_string(response.error());
    return result;
  }
  result.ok = true;
  result.status = response->status;
  result.body = response->body;
  return result;
}

}  // namespace

std::string api_token_from_env() {
  const char* token = std::getenv("CONTINUUM_API_TOKEN");
  return token ? token : "";
}

HttpResult http_get(const std::string& base_url, const std::string& path, const HttpRequestOptions& options) {
  HttpResult result;
  std::unique_ptr<httplib::Client> client = client_for(base_url, options, &result);
  if (!client) return result;
  return finish(client->Get(path.c_str()));
}

HttpResult http_post(const std::string& base_url, const std::string& path, const std::string& body,
                     const std::string& content_type, const HttpRequestOptions& options) {
  HttpResult result;
  std::unique_ptr<httplib::Client> client = client_for(base_url, options, &result);
  if (!client) return result;
  return finish(client->Post(path.c_str(), body, content_type.empty() ? "application/octet-stream" : content_type.c_str()));
}

HttpGetResult http_get(const std::string& base_url, const std::string& path, int timeout_ms) {
  return http_get(base_url, path, HttpRequestOptions{api_token_from_env(), timeout_ms});
}

}  // namespace continuum::adapters
