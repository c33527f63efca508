// `continuum keygen`, `continuum sign`, `continuum verify`: Ed25519 keys and
// module signatures for over-the-air updates (docs/ota.md).
#include <stdio.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.h"
#include "continuum/adapters/ed25519_keys.h"
#include "continuum/adapters/openssl_crypto.h"
#include "continuum/ota/semver.h"
#include "continuum/ota/signature.h"
#include "exit_codes.h"
#include "module_files.h"

namespace continuum::cli {

Command add_keygen_command(CLI::App& app) {
  auto out = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("keygen", "Make an Ed25519 key pair for signing modules");
  cmd->add_option("--out", *out, "Private key file to create; the public key goes to OUT.pub")->required();
  cmd->footer(
      "The private key (PKCS#8 PEM) is created with mode 0600; existing files are never overwritten.\n"
      "Copy OUT.pub into each node's trust store directory.");
  return [out] {
    adapters::OpenSslCrypto crypto;
    std::string key_id;
    if (auto s = adapters::generate_ed25519_key_pair(*out, crypto, &key_id); !s) {
      fprintf(stderr, "error: %s\n", s.message.c_str());
      return kExitError;
    }
    printf("wrote %s (private, 0600) and %s.pub; key id %s\n", out->c_str(), out->c_str(), key_id.c_str());
    return kExitOk;
  };
}

Command add_sign_command(CLI::App& app) {
  struct Options {
    std::string module, key, name, version, out;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("sign", "Sign a module (name, version and SHA-256) with an Ed25519 key");
  cmd->add_option("module", o->module, "WebAssembly module")->required();
  cmd->add_option("--key", o->key, "Private key from `continuum keygen`")->required();
  cmd->add_option("--name", o->name, "Module name, e.g. soil-filter")->required();
  cmd->add_option("--version", o->version, "Semantic version, e.g. 1.2.0")->required();
  cmd->add_option("-o,--output", o->out, "Signed module to write (default: replace MODULE)");
  cmd->footer("Adds (or replaces) the module's ctm.signature custom section; see docs/ota.md.");
  return [o] {
    std::string error;
    if (o->name.empty() || o->name.find('\0') != std::string::npos) {
      fprintf(stderr, "error: --name must be non-empty text\n");
      return kExitUsage;
    }
    if (!ota::parse_semver(o->version, &error)) {
      fprintf(stderr, "error: --version: %s\n", error.c_str());
      return kExitUsage;
    }
    adapters::OpenSslCrypto crypto;
    auto signer = adapters::Ed25519Signer::load(o->key, crypto, &error);
    if (!signer) {
      fprintf(stderr, "error: %s\n", error.c_str());
      return kExitError;
    }
    auto module = read_module_file(o->module, &error);
    if (!module) {
      fprintf(stderr, "error: %s\n", error.c_str());
      return kExitError;
    }
    auto signed_module = ota::sign_module(*module, o->name, o->version, *signer, crypto, &error);
    if (!signed_module) {
      fprintf(stderr, "error: %s: %s\n", o->module.c_str(), error.c_str());
      return kExitError;
    }
    std::string out = o->out.empty() ? o->module : o->out;
    if (!write_module_file(out, *signed_module, &error)) {
      fprintf(stderr, "error: %s\n", error.c_str());
      return kExitError;
    }
    printf("%s: signed %s %s with key %s\n", out.c_str(), o->name.c_str(), o->version.c_str(),
           signer->key_id().c_str());
    return kExitOk;
  };
}

Command add_verify_command(CLI::App& app) {
  auto modules = std::make_shared<std::vector<std::string>>();
  auto trust_path = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("verify", "Check modules' signatures against a trust store");
  cmd->add_option("modules", *modules, "Signed WebAssembly modules")->required();
  cmd->add_option("--trust", *trust_path, "Directory of trusted .pub files, or one .pub file")->required();
  cmd->footer(
      "Prints \"MODULE: NAME VERSION, key KEYID: OK\" per module, or the reason it is refused:\n"
      "no signature, unknown key, bad signature, hash mismatch, malformed section. Exit status 1 if any is refused.");
  return [modules, trust_path] {
    adapters::OpenSslCrypto crypto;
    ota::TrustStore trust;
    if (auto s = adapters::load_trust_store(*trust_path, crypto, trust); !s) {
      fprintf(stderr, "error: --trust: %s\n", s.message.c_str());
      return kExitError;
    }
    int status = kExitOk;
    for (const std::string& path : *modules) {
      std::string error;
      auto module = read_module_file(path, &error);
      if (!module) {
        fprintf(stderr, "error: %s\n", error.c_str());
        status = kExitError;
        continue;
      }
      ota::VerifyOutcome v = ota::verify_module(*module, trust, crypto);
      std::string who = v.manifest.name.empty()
                            ? ""
                            : " (" + v.manifest.name + " " + v.manifest.version + ", key " + v.manifest.key_id + ")";
      if (v.ok()) {
        printf("%s: %s %s, key %s: OK\n", path.c_str(), v.manifest.name.c_str(), v.manifest.version.c_str(),
               v.manifest.key_id.c_str());
      } else {
        fflush(stdout);
        fprintf(stderr, "error: %s: %s: %s%s\n", path.c_str(), ota::verify_status_name(v.status), v.detail.c_str(),
                who.c_str());
        status = kExitError;
      }
    }
    return status;
  };
}

}  // namespace continuum::cli
