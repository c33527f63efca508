// Real servers for the adapter tests: a child process on a free loopback
// port, in a private temporary directory, stopped (and the directory
// removed) when the test ends.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace continuum::testing {

// A port that was free a moment ago on 127.0.0.1.
int free_loopback_port();
// True once something accepts TCP connections on 127.0.0.1:port.
bool wait_for_port(int port, int timeout_ms);
class ChildProcess;
// True once `process` listens on the port: the port accepts connections and
// the process is still alive a moment later (a server that failed to bind
// exits, while another test's server may hold the port).
bool wait_for_server(ChildProcess& process, int port, int timeout_ms);
// Absolute path of an executable found on PATH (or in /usr/sbin), or "".
std::string find_program(const std::string& name);
// The whole file, byte for byte; "" when it cannot be read (a log not
// written yet reads as empty).
std::string read_file(const std::filesystem::path& path);

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

class ChildProcess {
 public:
  ~ChildProcess() { kill_now(); }
  // Starts argv[0] with stdout/stderr to log_path.
  bool start(const std::vector<std::string>& argv, const std::string& log_path);
  // SIGTERM, then SIGKILL if still running after timeout_ms.
  void stop(int timeout_ms = 5000);
  void kill_now();
  pid_t pid() const { return pid_; }  // -1 when not started
  // False once the process has exited (it is then reaped).
  bool alive();

 private:
  pid_t pid_ = -1;
};

struct BrokerOptions {
  // The broker saves sessions and queued messages to its directory on
  // shutdown and restores them on start.
  bool persistence = false;
  // Non-empty: only this user/password may connect (mosquitto_passwd file).
  std::string username, password;
  // Non-empty: the listener speaks TLS only, with these PEM files.
  std::string ca_file, cert_file, key_file;
  // set_tcp_nodelay: the broker sends each message at once instead of
  // letting Nagle's algorithm hold small writes back (request/response
  // protocols such as the OTA transfer wait on every round trip).
  bool tcp_nodelay = false;
};

class MosquittoServer {
 public:
  explicit MosquittoServer(BrokerOptions options = {});
  // The first start picks another port if the chosen one was taken
  // meanwhile (tests run in parallel); restarts reuse the same port.
  bool start();
  void stop() { process_.stop(); }
  int port() const { return port_; }
  std::string log() const;

 private:
  bool write_config();
  bool start_once();

  BrokerOptions options_;
  TempDir dir_;
  int port_;
  bool started_before_ = false;
  ChildProcess process_;
};

class InfluxServer {
 public:
  InfluxServer();
  bool start();
  void stop() { process_.stop(); }
  int http_port() const { return http_port_; }
  std::string log() const;

 private:
  void write_config();
  bool start_once();

  TempDir dir_;
  int http_port_;
  int rpc_port_;
  ChildProcess process_;
};

}  // namespace continuum::testing
