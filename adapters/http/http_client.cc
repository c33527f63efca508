#include "continuum/adapters/http_client.h"

#include <httplib.h>

namespace continuum::adapters {

HttpGetResult http_get(const std::string& base_url, const std::string& path, int timeout_ms) {
  HttpGetResult result;
  if (base_url.rfind("http://", 0) != 0) {
    result.error = "expected an http:// URL like http://127.0.0.1:8080, got \"" + base_url + "\"";
    return result;
  }
  httplib::Client client(base_url);
  if (!client.is_valid()) {
    result.error = "cannot use the URL \"" + base_url + "\"";
    return result;
  }
  const time_t seconds = timeout_ms / 1000;
  const time_t micros = (timeout_ms % 1000) * 1000;
  client.set_connection_timeout(seconds, micros);
  client.set_read_timeout(seconds, micros);
  httplib::Result response = client.Get(path.c_str());
  if (!response) {
    result.error = httplib::to_string(response.error());
    return result;
  }
  result.ok = true;
  result.status = response->status;
  result.body = response->body;
  return result;
}

}  // namespace continuum::adapters
