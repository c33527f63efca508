// `continuum bench engine [--quick] [ARGS...]`: the engine benchmarks
// (bench/engine/run.py: programs natively, under Node, under this engine and
// wasm-interp; the reference modules' hot paths per message), run with this
// binary as the engine under test.
// `continuum bench strategies [--quick] [--runs N] [--duration D] [--out DIR]
// [--seed S]`: the deployment-strategy experiment (bench/strategies/run.py:
// both applications under the five strategies with `continuum up`, report,
// CSV and plots), with this binary and its build tree's modules.
// ARGS go to the script unchanged (`--help` lists them). The script is looked
// up in the source tree this binary was built from, then in the installed
// share directory (../share/continuum beside the binary). The benchmarks are
// Python driving compilers, runtimes and processes, so this command only
// finds them and hands over (exec).
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "exit_codes.h"

#ifndef CONTINUUM_SOURCE_DIR
#define CONTINUUM_SOURCE_DIR ""
#endif

namespace continuum::cli {
namespace {

bool is_file(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string self_path() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

std::string parent(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// python3 on PATH, or empty.
std::string find_python() {
  const char* path = getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = (end > start ? dirs.substr(start, end - start) : ".") + "/python3";
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return {};
}

// `script` is relative to the source tree, e.g. "bench/engine/run.py";
// `what` names the benchmark in error messages.
int run_bench_script(const std::string& script_rel, const char* what, const std::vector<std::string>& args) {
  const std::string self = self_path();
  std::vector<std::string> candidates;
  if (*CONTINUUM_SOURCE_DIR) candidates.push_back(std::string(CONTINUUM_SOURCE_DIR) + "/" + script_rel);
  if (!self.empty()) candidates.push_back(parent(parent(self)) + "/share/continuum/" + script_rel);
  std::string script;
  for (const std::string& c : candidates) {
    if (is_file(c)) {
      script = c;
      break;
    }
  }
  if (script.empty()) {
    std::string looked;
    for (const std::string& c : candidates) looked += (looked.empty() ? "" : ", ") + c;
    fprintf(stderr,
            "error: the %s benchmark script %s was not found (looked in: %s); expected a "
            "source checkout or an installed share/continuum directory\n",
            what, script_rel.c_str(), looked.empty() ? "nowhere: this binary's path is unknown" : looked.c_str());
    return kExitError;
  }
  std::string python = find_python();
  if (python.empty()) {
    fprintf(stderr, "error: python3 not found on PATH; `continuum bench %s` runs %s with it "
            "(apt-get install python3)\n", what, script.c_str());
    return kExitError;
  }
  std::vector<std::string> argv_strings = {python, script};
  bool has_continuum = false;
  for (const std::string& a : args) has_continuum |= a == "--continuum" || a.rfind("--continuum=", 0) == 0;
  // The engine under test is this binary unless the caller names another.
  if (!has_continuum && !self.empty()) argv_strings.insert(argv_strings.end(), {"--continuum", self});
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  fflush(stdout);
  execv(python.c_str(), argv.data());
  fprintf(stderr, "error: cannot run %s: %s\n", python.c_str(), strerror(errno));
  return kExitError;
}

}  // namespace

Command add_bench_command(CLI::App& app) {
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks (docs/benchmarks.md)");
  bench->require_subcommand(1);
  CLI::App* engine = bench->add_subcommand(
      "engine", "Engine benchmarks: programs and module hot paths, native vs this engine vs Node vs wasm-interp, "
                "outputs checked (bench/engine/run.py; ARGS such as --quick are passed on, --help lists them)");
  // Everything after `engine` belongs to run.py, --help included.
  engine->prefix_command();
  engine->set_help_flag();
  CLI::App* strategies = bench->add_subcommand(
      "strategies", "Deployment strategies: both applications under the five strategies (Wasm/native, edge/fog/"
                    "cloud) with continuum up; latency, throughput, memory, CPU, sandbox overhead, robot stop, "
                    "edge energy; report, CSV, plots (bench/strategies/run.py; --quick, --runs N, --duration D, "
                    "--out DIR, --seed S; --help lists them)");
  strategies->prefix_command();
  strategies->set_help_flag();
  return [engine, strategies] {
    if (strategies->parsed()) return run_bench_script("bench/strategies/run.py", "strategies", strategies->remaining());
    return run_bench_script("bench/engine/run.py", "engine", engine->remaining());
  };
}

}  // namespace continuum::cli
