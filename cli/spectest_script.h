// Runs one spec test script, as produced by `wast2json`: a JSON list of
// commands (module, register, action, assert_*) with the binary modules in
// .wasm files beside it. Every run gets a fresh Store.
#pragma once

#include <stdint.h>

#include <string>

namespace continuum::cli {

struct ScriptCounts {
  uint64_t passed = 0;
  uint64_t failed = 0;
  uint64_t skipped = 0;
};

struct ScriptOptions {
  // Fuel for every single instantiation and call, so a looping engine
  // cannot hang the suite.
  uint64_t fuel_per_call = 100'000'000;
  // Make spectest.print* write to stdout like the reference interpreter.
  bool echo_prints = false;
  // Also report passes whose error or trap text differs from the expected one.
  bool verbose = false;
};

// Called after every command with the counts so far (the spectest command
// streams them to its parent process, so a crash loses nothing).
using ProgressFn = void (*)(const ScriptCounts& so_far, void* user);

// Runs the script at `json_path`. Each failure is printed to stdout as
// "PATH:LINE: COMMAND ...: expected X, got Y". An unreadable script counts
// as one failure.
ScriptCounts run_script(const std::string& json_path, const ScriptOptions& options,
                        ProgressFn progress = nullptr, void* progress_user = nullptr);

// Number of commands in a script, for reporting a skipped script; -1 if the
// file cannot be read (error set).
int64_t count_script_commands(const std::string& json_path, std::string* error);

}  // namespace continuum::cli
