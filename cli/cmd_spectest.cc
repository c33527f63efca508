// `continuum spectest FILE.json...`: runs wast2json scripts against the engine.
//
// Each script runs in a child process (unless --in-process): a crash or a
// hang in one module then costs that script, not the whole suite. The child
// streams its running counts through a pipe, so the parent still knows how
// far it got if it dies.
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "exit_codes.h"
#include "spectest_script.h"

namespace continuum::cli {
namespace {

struct SpectestOptions {
  std::vector<std::string> files;
  ScriptOptions script;
  bool skip_simd = true;
  bool in_process = false;
  unsigned timeout_seconds = 600;
};

std::string base_name(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void send_counts(const ScriptCounts& counts, void* user) {
  int fd = *static_cast<int*>(user);
  // A short write only happens if the parent is gone; nothing to do then.
  ssize_t ignored = write(fd, &counts, sizeof counts);
  (void)ignored;
}

// Runs one script in a child process. Returns the counts it reported; a
// child that did not finish normally adds one failure, explained on stdout.
ScriptCounts run_script_isolated(const std::string& path, const SpectestOptions& options) {
  int fds[2];
  if (pipe(fds) != 0) {
    printf("%s: cannot create a pipe: %s\n", path.c_str(), strerror(errno));
    return ScriptCounts{0, 1, 0};
  }
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    printf("%s: cannot fork: %s\n", path.c_str(), strerror(errno));
    close(fds[0]);
    close(fds[1]);
    return ScriptCounts{0, 1, 0};
  }
  if (pid == 0) {
    close(fds[0]);
    // The fuel budget stops runaway guest code; the alarm is the last line
    // of defence against the engine itself looping.
    alarm(options.timeout_seconds);
    ScriptCounts final_counts = run_script(path, options.script, send_counts, &fds[1]);
    send_counts(final_counts, &fds[1]);  // also covers scripts that never started
    fflush(stdout);
    // exit, not _exit: under LeakSanitizer the leak check runs at exit, so an
    // engine leak in this script makes the child fail and is reported.
    exit(0);
  }
  close(fds[1]);
  ScriptCounts last;
  ScriptCounts incoming;
  size_t got = 0;
  for (;;) {
    ssize_t n = read(fds[0], reinterpret_cast<char*>(&incoming) + got, sizeof incoming - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
    if (got == sizeof incoming) {
      last = incoming;
      got = 0;
    }
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return last;
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
    printf("%s: timed out after %u s (after %llu commands)\n", path.c_str(),
           options.timeout_seconds,
           static_cast<unsigned long long>(last.passed + last.failed + last.skipped));
  else if (WIFSIGNALED(status))
    printf("%s: crashed with signal %d (%s) after %llu commands\n", path.c_str(),
           WTERMSIG(status), strsignal(WTERMSIG(status)),
           static_cast<unsigned long long>(last.passed + last.failed + last.skipped));
  else
    printf("%s: runner exited with status %d (a sanitizer report on stderr?)\n", path.c_str(),
           WEXITSTATUS(status));
  ++last.failed;
  return last;
}

void print_counts(const char* prefix, const ScriptCounts& c) {
  printf("%s%llu passed, %llu failed, %llu skipped\n", prefix,
         static_cast<unsigned long long>(c.passed), static_cast<unsigned long long>(c.failed),
         static_cast<unsigned long long>(c.skipped));
}

int run_spectest(const SpectestOptions& options) {
  ScriptCounts total;
  for (const std::string& path : options.files) {
    ScriptCounts counts;
    if (options.skip_simd && base_name(path).rfind("simd_", 0) == 0) {
      // SIMD is left out of the engine by design: the whole script is skipped.
      std::string error;
      int64_t n = count_script_commands(path, &error);
      if (n < 0) {
        printf("%s\n", error.c_str());
        counts.failed = 1;
      } else {
        counts.skipped = static_cast<uint64_t>(n);
      }
    } else if (options.in_process) {
      counts = run_script(path, options.script);
    } else {
      counts = run_script_isolated(path, options);
    }
    print_counts((path + ": ").c_str(), counts);
    total.passed += counts.passed;
    total.failed += counts.failed;
    total.skipped += counts.skipped;
  }
  print_counts("", total);
  fflush(stdout);
  return total.failed == 0 ? kExitOk : kExitError;
}

}  // namespace

Command add_spectest_command(CLI::App& app) {
  auto options = std::make_shared<SpectestOptions>();
  CLI::App* cmd = app.add_subcommand(
      "spectest", "Run WebAssembly spec test scripts converted with wast2json");
  cmd->add_option("files", options->files, "wast2json output files (FILE.json)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_flag("--skip-simd,!--no-skip-simd", options->skip_simd,
                "Report scripts named simd_* as skipped (default: on; SIMD is not supported)");
  cmd->add_option("--fuel", options->script.fuel_per_call,
                  "Fuel for every instantiation and call")
      ->capture_default_str();
  cmd->add_option("--timeout", options->timeout_seconds,
                  "Seconds one script may take before it counts as hung")
      ->capture_default_str();
  cmd->add_flag("--in-process", options->in_process,
                "Run scripts in this process (for debuggers; a crash ends the run)");
  cmd->add_flag("--print", options->script.echo_prints,
                "Let spectest.print* write their arguments to stdout");
  cmd->add_flag("-v,--verbose", options->script.verbose,
                "Also note rejections whose message differs from the expected text");
  cmd->footer(
      "Prints each failure, then one line per script (FILE: N passed, M failed, K skipped)\n"
      "and the totals. Exit status 0 when nothing failed, 1 otherwise.");
  return [options] { return run_spectest(*options); };
}

}  // namespace continuum::cli
