// The cloud node's HTTP API as the CLI uses it (`ls`, `deploy`, `rollback`,
// `stats`): the --api URL and the API token (--token, else the environment
// variable CONTINUUM_API_TOKEN; docs/api.md "Sign-in, sessions and tokens"),
// JSON answers, and one `error:` line for everything that goes wrong.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace continuum::cli {

struct ApiOptions {
  std::string api = "http://127.0.0.1:8080";
  std::string token;  // empty: $CONTINUUM_API_TOKEN
};

// Adds --api and --token to a subcommand.
void add_api_options(CLI::App& command, ApiOptions& options);

class ApiClient {
 public:
  // nullopt after printing "error: --api: ..." (a usage error, exit 2) when
  // the URL is not http://HOST:PORT.
  static std::optional<ApiClient> open(const ApiOptions& options);

  // The JSON answer of a request whose status is one of the expected ones
  // (2xx), or null after printing an `error:` line: unreachable API (with
  // what was expected), an HTTP error (with the API's own message), an answer
  // that is not JSON.
  nlohmann::json get(const std::string& path) const;
  nlohmann::json post(const std::string& path, const std::string& body, const std::string& content_type) const;
  nlohmann::json post_json(const std::string& path, const nlohmann::json& body) const {
    return post(path, body.dump(), "application/json");
  }
  const std::string& url() const { return api_; }

 private:
  ApiClient(std::string api, std::string token) : api_(std::move(api)), token_(std::move(token)) {}
  nlohmann::json answer(const std::string& method, const std::string& path, bool ok, int status,
                        const std::string& body, const std::string& error) const;

  std::string api_, token_;
};

// Percent-encodes one path segment (a stage name in /api/stages/<stage>/...).
std::string url_segment(const std::string& text);

}  // namespace continuum::cli
