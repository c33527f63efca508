#include "server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace continuum::testing {

namespace {

sockaddr_in loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

}  // namespace

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int free_loopback_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = loopback(0);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

bool wait_for_port(int port, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address = loopback(port);
    bool up = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    close(fd);
    if (up) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

bool wait_for_server(ChildProcess& process, int port, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process.alive()) return false;
    if (wait_for_port(port, 20)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      return process.alive();
    }
  }
  return false;
}

std::string find_program(const std::string& name) {
  std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
  path += ":/usr/sbin:/usr/local/sbin";
  std::stringstream dirs(path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    std::filesystem::path candidate = std::filesystem::path(dir) / name;
    if (!dir.empty() && access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "ctm-adapters-XXXXXX").string();
  path_ = mkdtemp(pattern.data());
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

bool ChildProcess::start(const std::vector<std::string>& argv, const std::string& log_path) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log >= 0) {
      dup2(log, STDOUT_FILENO);
      dup2(log, STDERR_FILENO);
    }
    execv(args[0], args.data());
    _exit(127);
  }
  pid_ = pid;
  return true;
}

void ChildProcess::stop(int timeout_ms) {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill_now();
}

bool ChildProcess::alive() {
  if (pid_ <= 0) return false;
  if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

void ChildProcess::kill_now() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

MosquittoServer::MosquittoServer(BrokerOptions options) : options_(std::move(options)), port_(free_loopback_port()) {}

bool MosquittoServer::write_config() {
  std::ofstream config(dir_.path() / "mosquitto.conf");
  config << "listener " << port_ << " 127.0.0.1\n";
  if (options_.username.empty()) {
    config << "allow_anonymous true\n";
  } else {
    const std::string passwords = (dir_.path() / "passwords").string();
    const std::string command = "mosquitto_passwd -c -b '" + passwords + "' '" + options_.username + "' '" +
                                options_.password + "' >/dev/null 2>&1";
    if (std::system(command.c_str()) != 0) return false;
    config << "allow_anonymous false\npassword_file " << passwords << "\n";
  }
  if (!options_.cert_file.empty())
    config << "cafile " << options_.ca_file << "\ncertfile " << options_.cert_file << "\nkeyfile "
           << options_.key_file << "\n";
  config << "persistence " << (options_.persistence ? "true" : "false") << "\n"
         << "persistence_location " << dir_.path().string() << "/\n"
         << "max_queued_messages 100000\n"
         << (options_.tcp_nodelay ? "set_tcp_nodelay true\n" : "")
         << "log_type error\nlog_type warning\nlog_type notice\n";
  // As root mosquitto would switch to the "mosquitto" user, which cannot
  // write this private directory.
  if (geteuid() == 0) config << "user root\n";
  return static_cast<bool>(config);
}

bool MosquittoServer::start_once() {
  std::string binary = find_program("mosquitto");
  if (binary.empty()) return false;
  if (!process_.start({binary, "-c", (dir_.path() / "mosquitto.conf").string()},
                      (dir_.path() / "mosquitto.log").string()))
    return false;
  return wait_for_server(process_, port_, 5000);
}

bool MosquittoServer::start() {
  if (started_before_) return start_once();
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (attempt > 0) port_ = free_loopback_port();
    if (!write_config()) return false;
    if (start_once()) {
      started_before_ = true;
      return true;
    }
    process_.kill_now();
  }
  return false;
}

std::string MosquittoServer::log() const { return read_file(dir_.path() / "mosquitto.log"); }

InfluxServer::InfluxServer() : http_port_(free_loopback_port()), rpc_port_(free_loopback_port()) {}

void InfluxServer::write_config() {
  const std::string dir = dir_.path().string();
  std::ofstream config(dir_.path() / "influxdb.conf");
  config << "reporting-disabled = true\n"
         << "bind-address = \"127.0.0.1:" << rpc_port_ << "\"\n"
         << "[meta]\n  dir = \"" << dir << "/meta\"\n"
         << "[data]\n  dir = \"" << dir << "/data\"\n  wal-dir = \"" << dir << "/wal\"\n"
         << "  query-log-enabled = false\n"
         << "[http]\n  bind-address = \"127.0.0.1:" << http_port_ << "\"\n  log-enabled = false\n"
         << "[monitor]\n  store-enabled = false\n"
         << "[continuous_queries]\n  enabled = false\n";
}

bool InfluxServer::start_once() {
  std::string binary = find_program("influxd");
  if (binary.empty()) return false;
  if (!process_.start({binary, "-config", (dir_.path() / "influxdb.conf").string()},
                      (dir_.path() / "influxd.log").string()))
    return false;
  return wait_for_server(process_, http_port_, 15000);
}

bool InfluxServer::start() {
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (attempt > 0) {
      http_port_ = free_loopback_port();
      rpc_port_ = free_loopback_port();
    }
    write_config();
    if (start_once()) return true;
    process_.kill_now();
  }
  return false;
}

std::string InfluxServer::log() const { return read_file(dir_.path() / "influxd.log"); }

}  // namespace continuum::testing
