// `continuum validate FILE.wasm...`: decodes and validates each module.
#include <stdio.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "continuum/engine/port.h"
#include "exit_codes.h"
#include "load.h"

namespace continuum::cli {

Command add_validate_command(CLI::App& app) {
  auto files = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = app.add_subcommand("validate", "Check that modules decode and validate");
  cmd->add_option("files", *files, "WebAssembly binaries")->required();
  cmd->footer("Prints \"FILE: valid\" or \"FILE: error: ...\" per file; exit status 1 if any is not valid.");
  return [files] {
    int status = kExitOk;
    for (const std::string& path : *files) {
      engine::Box<engine::Module> module;
      std::string error;
      if (load_module(engine::port::system_allocator(), path, &module, &error)) {
        printf("%s: valid\n", path.c_str());
      } else {
        // load_module's messages already start with the path.
        fflush(stdout);
        fprintf(stderr, "error: %s\n", error.c_str());
        status = kExitError;
      }
    }
    return status;
  };
}

}  // namespace continuum::cli
