// A child process of `continuum up` (a node or the broker): started with its
// output in a log file, in its own process group (Ctrl-C reaches only `up`,
// which stops the children in order), and with PR_SET_PDEATHSIG so it is
// sent SIGTERM if `up` dies without stopping it.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace continuum::node::up {

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();  // SIGKILL if still running (stop() is the orderly way)
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts argv (argv[0] a path) with stdin /dev/null and stdout/stderr
  // appended to log_path. Error message, or "" on success.
  std::string start(const std::vector<std::string>& argv, const std::string& log_path);
  pid_t pid() const { return pid_; }
  bool running();               // reaps it once it exited
  void signal(int sig);
  // Waits up to timeout_ms for it to exit; true if it did.
  bool wait_exit(int timeout_ms);
  // SIGTERM, wait up to timeout_ms, then SIGKILL. True if it exited by itself.
  bool stop(int timeout_ms);
  // How it ended: exit code, or 128 + signal; -1 while running / never started.
  int exit_status() const { return exit_status_; }

 private:
  pid_t pid_ = -1;
  int exit_status_ = -1;
};

}  // namespace continuum::node::up
