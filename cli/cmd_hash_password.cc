// `continuum hash-password [--iterations N]`: reads a password from stdin
// and prints the PBKDF2 hash for [http] admin_password_hash, so a node's
// config holds no password (docs/api.md "Sign-in, sessions and tokens").
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "commands.h"
#include "continuum/adapters/password_hash.h"
#include "exit_codes.h"

namespace continuum::cli {

Command add_hash_password_command(CLI::App& app) {
  auto iterations = std::make_shared<uint32_t>(adapters::kDefaultPasswordIterations);
  CLI::App* cmd =
      app.add_subcommand("hash-password", "Read a password on stdin, print its hash for [http] admin_password_hash");
  cmd->add_option("--iterations", *iterations, "PBKDF2-HMAC-SHA256 iterations")
      ->check(CLI::Range(1000u, 10'000'000u))
      ->capture_default_str();
  cmd->footer("Example: printf '%s' \"$PASSWORD\" | continuum hash-password\nThe first line of stdin is the password.");
  return [iterations] {
    std::string password;
    if (!std::getline(std::cin, password) || password.empty()) {
      std::fprintf(stderr, "error: expected the password on the first line of stdin, got nothing\n");
      return kExitUsage;
    }
    if (!password.empty() && password.back() == '\r') password.pop_back();
    const std::string hash = adapters::hash_password(password, *iterations);
    if (hash.empty()) {
      std::fprintf(stderr, "error: OpenSSL could not hash the password\n");
      return kExitError;
    }
    std::printf("%s\n", hash.c_str());
    return kExitOk;
  };
}

}  // namespace continuum::cli
