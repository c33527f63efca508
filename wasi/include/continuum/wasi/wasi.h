// WASI preview1 ("wasi_snapshot_preview1") for hosted platforms: arguments,
// environment, clocks, random, stdio, and files inside directories the user
// granted. Calls it does not implement return ENOSYS.
#pragma once

#include <stdint.h>

#include <string>
#include <vector>

#include "continuum/engine/runtime.h"

namespace continuum::wasi {

struct Preopen {
  std::string host_path;   // directory on the host
  std::string guest_path;  // name the guest sees (defaults to host_path)
};

struct WasiConfig {
  std::vector<std::string> args;  // argv, argv[0] included
  std::vector<std::string> env;   // "KEY=VALUE"
  std::vector<Preopen> preopens;
  int stdin_fd = 0;
  int stdout_fd = 1;
  int stderr_fd = 2;
};

// One guest's WASI state (its file descriptor table). Must outlive the instance.
class WasiContext {
 public:
  explicit WasiContext(WasiConfig config);
  ~WasiContext();
  WasiContext(const WasiContext&) = delete;
  WasiContext& operator=(const WasiContext&) = delete;

  // Creates the host functions in `store` and defines them in `linker` under
  // "wasi_snapshot_preview1". Fails if a preopened directory cannot be opened
  // (the message names it in error_detail()).
  engine::Result<void> define(engine::Store& store, engine::Linker& linker);
  const std::string& error_detail() const;

  struct State;
  State* state() const { return state_; }

 private:
  State* state_;
};

}  // namespace continuum::wasi
