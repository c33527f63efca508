// Runs a program (usually the `continuum` binary) to completion as a child
// process, for tests of command lines: exit status, stdout and stderr.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace continuum::testing {

struct ProgramRun {
  int status = -1;  // the exit status; -1 when killed by a signal
  std::string out, err;
};

// `program ARGS...` with stdout and stderr captured through files in `dir`
// (program.out, program.err, overwritten by each run).
ProgramRun run_program(const std::string& program, const std::vector<std::string>& args,
                       const std::filesystem::path& dir);

}  // namespace continuum::testing
