// Running `continuum up` from the tests: a child with its output in a file,
// signals, bounded waits, and the processes still running for a run directory.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace continuum::testing {

struct UpProcess {
  pid_t pid = -1;
  int status = -1;  // exit code, or 128 + signal
  std::string output_path;

  bool start(const std::vector<std::string>& args, const std::string& output_path);
  // Waits up to timeout_ms for the exit; false (and SIGKILL) if it did not.
  bool wait(int timeout_ms);
  std::string output() const;
};

// Runs `continuum ARGS...` to completion (bounded); returns the exit status
// and the combined output.
int run_continuum(const std::vector<std::string>& args, std::string* output, int timeout_ms = 120000);

// Polls until pred() is true or timeout_ms passed.
bool eventually(const std::function<bool()>& pred, int timeout_ms);

// Pids of running processes whose command line mentions `text` (not zombies).
std::vector<pid_t> processes_mentioning(const std::string& text);

std::string read_file(const std::string& path);
std::string fresh_dir(const std::string& name);  // an empty directory under the test's temp dir
bool have_mosquitto();

}  // namespace continuum::testing
