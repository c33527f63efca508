#include "continuum/node/up/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace continuum::node::up {

ChildProcess::~ChildProcess() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait_exit(5000);
  }
}

std::string ChildProcess::start(const std::vector<std::string>& argv, const std::string& log_path) {
  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls.
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) return "cannot open " + log_path + ": " + std::strerror(errno);
  int null_in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log);
    if (null_in >= 0) ::close(null_in);
    return std::string("fork: ") + std::strerror(errno);
  }
  if (pid == 0) {
    // Dies with `up` (SIGTERM: nodes still flush and exit cleanly), and if
    // `up` already died before this line, leaves at once.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);
    ::setpgid(0, 0);
    // `up` blocks SIGINT/SIGTERM to wait for them; a child must not inherit that.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    if (null_in >= 0) ::dup2(null_in, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    // No inherited descriptors (the robot's pty master, sockets, databases).
    ::close_range(3, ~0U, 0);
    ::execv(args[0], args.data());
    const char msg[] = "continuum up: exec failed\n";
    ssize_t ignored = ::write(2, msg, sizeof msg - 1);
    (void)ignored;
    ::_exit(127);
  }
  ::close(log);
  if (null_in >= 0) ::close(null_in);
  pid_ = pid;
  exit_status_ = -1;
  return "";
}

bool ChildProcess::running() {
  if (pid_ <= 0 || exit_status_ >= 0) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  if (r == pid_) exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  else exit_status_ = 255;  // not our child any more (cannot happen): treat as gone
  return false;
}

void ChildProcess::signal(int sig) {
  if (running()) ::kill(pid_, sig);
}

bool ChildProcess::wait_exit(int timeout_ms) {
  for (int waited = 0; running(); waited += 20) {
    if (waited >= timeout_ms) return false;
    timespec ts{0, 20 * 1000 * 1000};
    ::nanosleep(&ts, nullptr);
  }
  return true;
}

bool ChildProcess::stop(int timeout_ms) {
  if (!running()) return true;
  ::kill(pid_, SIGTERM);
  if (wait_exit(timeout_ms)) return true;
  ::kill(pid_, SIGKILL);
  wait_exit(5000);
  return false;
}

}  // namespace continuum::node::up
