#include "http_secrets.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <vector>

#include "continuum/adapters/password_hash.h"

#ifndef CONTINUUM_SOURCE_DIR
#define CONTINUUM_SOURCE_DIR ""
#endif

namespace continuum::node::agent {

namespace fs = std::filesystem;

namespace {

void log_line(const std::string& line) {
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

// Creates `path` with mode 0600 holding `secret` + "\n"; never overwrites.
bool write_secret_file(const std::string& path, const std::string& secret, std::string* error) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = "cannot create " + path + ": " + std::strerror(errno);
    return false;
  }
  const std::string text = secret + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) *error = "cannot write " + path + ": " + std::strerror(errno);
  return ok;
}

// The secret in `path`, made with `make` (and announced) when the file does not exist yet.
std::optional<std::string> secret_file(const std::string& path, const std::function<std::string()>& make,
                                       bool* generated, std::string* error) {
  std::error_code ec;
  *generated = !fs::exists(path, ec);
  if (*generated && !write_secret_file(path, make(), error)) return std::nullopt;
  return read_first_line(path, error);
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

std::optional<std::string> read_first_line(const std::string& path, std::string* error) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    *error = "cannot read " + path + (in ? ": the file is empty" : "");
    return std::nullopt;
  }
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  if (line.empty()) {
    *error = path + ": expected the secret on the first line, found an empty line";
    return std::nullopt;
  }
  return line;
}

std::string find_web_root(const std::string& configured) {
  if (!configured.empty()) return configured;
  std::vector<std::string> candidates;
  if (*CONTINUUM_SOURCE_DIR) candidates.push_back(std::string(CONTINUUM_SOURCE_DIR) + "/web/dist");
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back((self.parent_path().parent_path() / "share/continuum/web").string());
  for (const std::string& c : candidates)
    if (fs::is_regular_file(fs::path(c) / "index.html", ec)) return c;
  return "";
}

bool resolve_http_access(const NodeConfig& node, adapters::HttpApiConfig* config, std::string* error) {
  const HttpSettings& h = node.http;
  adapters::HttpAuthConfig& auth = config->auth;
  const std::string where = node.source + ": http: ";
  if (!h.admin_password_hash.empty()) {
    if (std::optional<std::string> problem = adapters::password_hash_problem(h.admin_password_hash)) {
      *error = where + "admin_password_hash: " + *problem;
      return false;
    }
    auth.admin_password_hash = h.admin_password_hash;
  } else {
    std::string password = h.admin_password;
    if (password.empty()) {
      const std::string path = !h.admin_password_file.empty()
                                   ? h.admin_password_file
                                   : (fs::path(node.data_dir) / "admin-password").string();
      bool generated = false;
      // Only the default file is generated: a configured file that is
      // missing is a mistake to report.
      std::optional<std::string> secret =
          h.admin_password_file.empty()
              ? secret_file(path, [] { return adapters::random_hex(12); }, &generated, error)
              : read_first_line(path, error);
      if (!secret) {
        *error = where + "admin password: " + *error;
        return false;
      }
      password = *secret;
      if (generated)
        log_line("http: admin password generated: " + password + " (saved in " + path + ", mode 0600)");
      else
        log_line("http: admin password in " + path);
    }
    auth.admin_password_hash = adapters::hash_password(password);
  }
  std::string token = h.api_token;
  if (token.empty()) {
    const std::string path =
        !h.api_token_file.empty() ? h.api_token_file : (fs::path(node.data_dir) / "api-token").string();
    bool generated = false;
    std::optional<std::string> secret = h.api_token_file.empty()
                                            ? secret_file(path, [] { return adapters::random_hex(32); }, &generated, error)
                                            : read_first_line(path, error);
    if (!secret) {
      *error = where + "API token: " + *error;
      return false;
    }
    token = *secret;
    log_line("http: API token in " + path + (generated ? " (generated, mode 0600)" : ""));
  }
  auth.api_token = token;
  auth.public_reads = h.read_access.empty() ? is_loopback(h.host) : h.read_access == "public";
  auth.session_ttl_ms = h.session_ttl.count();
  auth.cookie_secure = h.cookie_secure;
  config->web_root = find_web_root(h.web_root);
  return true;
}

}  // namespace continuum::node::agent
