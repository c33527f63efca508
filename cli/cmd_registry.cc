// `continuum registry add|ls|show --dir DIR`: the OTA module registry
// (content-addressed by SHA-256; SQLite index + blob files; docs/ota.md).
#include <inttypes.h>
#include <stdio.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "continuum/adapters/ed25519_keys.h"
#include "continuum/adapters/openssl_crypto.h"
#include "continuum/adapters/sqlite_module_registry.h"
#include "continuum/ota/module_record_json.h"
#include "continuum/ota/signature.h"
#include "exit_codes.h"
#include "module_files.h"

namespace continuum::cli {
namespace {

using json = nlohmann::ordered_json;

struct RegistryOptions {
  std::string dir;
  std::vector<std::string> files;
  std::string trust;
  std::string name;
  std::string what;  // show: SHA256, NAME or NAME@VERSION
  bool json = false;
};

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ",") + s;
  return out.empty() ? "-" : out;
}

int run_add(ota::ModuleRegistry& registry, const RegistryOptions& o, const ota::Crypto& crypto) {
  ota::TrustStore trust;
  if (!o.trust.empty()) {
    if (auto s = adapters::load_trust_store(o.trust, crypto, trust); !s) {
      fprintf(stderr, "error: --trust: %s\n", s.message.c_str());
      return kExitError;
    }
  }
  int status = kExitOk;
  for (const std::string& path : o.files) {
    std::string error;
    auto module = read_module_file(path, &error);
    if (module && !o.trust.empty()) {
      ota::VerifyOutcome v = ota::verify_module(*module, trust, crypto);
      if (!v.ok()) error = std::string(ota::verify_status_name(v.status)) + ": " + v.detail;
      if (!v.ok()) module.reset();
    }
    auto added = module ? registry.add(*module, &error) : std::nullopt;
    if (!added) {
      fflush(stdout);
      fprintf(stderr, "error: %s: %s\n", path.c_str(), error.c_str());
      status = kExitError;
      continue;
    }
    const ota::ModuleRecord& r = added->record;
    printf("%s %s %s %s\n", added->added ? "added" : "exists", r.sha256.c_str(), r.name.c_str(), r.version.c_str());
  }
  return status;
}

int run_ls(ota::ModuleRegistry& registry, const RegistryOptions& o) {
  std::vector<ota::ModuleRecord> records = registry.list();
  if (!o.name.empty()) std::erase_if(records, [&](const ota::ModuleRecord& r) { return r.name != o.name; });
  if (o.json) {
    json out = json::array();
    for (const auto& r : records) out.push_back(ota::module_record_json<json>(r));
    printf("%s\n", out.dump(2).c_str());
    return kExitOk;
  }
  printf("%-20s %-12s %-12s %9s %-16s %s\n", "NAME", "VERSION", "SHA256", "SIZE", "KEY", "GRANTS");
  for (const auto& r : records)
    printf("%-20s %-12s %-12s %9" PRIu64 " %-16s %s\n", r.name.c_str(), r.version.c_str(),
           r.sha256.substr(0, 12).c_str(), r.size, r.key_id.c_str(), join(r.required_grants).c_str());
  return kExitOk;
}

int run_show(ota::ModuleRegistry& registry, const RegistryOptions& o) {
  std::optional<ota::ModuleRecord> r;
  size_t at = o.what.find('@');
  bool is_hash = o.what.size() == 64 && o.what.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (is_hash)
    r = registry.by_hash(o.what);
  else if (at != std::string::npos)
    r = registry.by_name_version(o.what.substr(0, at), o.what.substr(at + 1));
  else
    r = registry.latest(o.what);
  if (!r) {
    fprintf(stderr, "error: %s is not in the registry (expected a SHA-256, NAME or NAME@VERSION)\n", o.what.c_str());
    return kExitError;
  }
  if (o.json) {
    printf("%s\n", ota::module_record_json<json>(*r).dump(2).c_str());
    return kExitOk;
  }
  printf("name:     %s\nversion:  %s\nsha256:   %s\nsize:     %" PRIu64 " bytes\nkey id:   %s\ngrants:   %s\n",
         r->name.c_str(), r->version.c_str(), r->sha256.c_str(), r->size, r->key_id.c_str(),
         join(r->required_grants).c_str());
  printf("imports:\n");
  for (const auto& i : r->imports) printf("  %s.%s (%s)\n", i.module.c_str(), i.name.c_str(), i.kind.c_str());
  if (r->imports.empty()) printf("  (none)\n");
  return kExitOk;
}

}  // namespace

Command add_registry_command(CLI::App& app) {
  auto o = std::make_shared<RegistryOptions>();
  CLI::App* cmd = app.add_subcommand("registry", "The OTA module registry: add, list and show signed modules");
  cmd->require_subcommand(1);
  CLI::App* add = cmd->add_subcommand("add", "Add signed modules (idempotent: the same bytes are one entry)");
  add->add_option("--dir", o->dir, "Registry directory (created if missing)")->required();
  add->add_option("modules", o->files, "Signed WebAssembly modules")->required();
  add->add_option("--trust", o->trust, "Also require a valid signature from a key in this trust store");
  CLI::App* ls = cmd->add_subcommand("ls", "List the modules (by name, then version)");
  ls->add_option("--dir", o->dir, "Registry directory")->required();
  ls->add_option("--name", o->name, "Only modules of this name");
  ls->add_flag("--json", o->json, "JSON array instead of a table");
  CLI::App* show = cmd->add_subcommand("show", "One module's metadata");
  show->add_option("--dir", o->dir, "Registry directory")->required();
  show->add_option("module", o->what, "SHA-256, NAME (latest version) or NAME@VERSION")->required();
  show->add_flag("--json", o->json, "JSON instead of text");
  return [o, add, ls] {
    adapters::OpenSslCrypto crypto;
    adapters::SqliteModuleRegistry registry(crypto);
    if (!add->parsed() && !std::filesystem::exists(std::filesystem::path(o->dir) / "registry.db")) {
      fprintf(stderr, "error: --dir %s holds no registry (expected a directory made by `continuum registry add`)\n",
              o->dir.c_str());
      return kExitError;
    }
    if (auto s = registry.open(o->dir); !s) {
      fprintf(stderr, "error: --dir %s: %s\n", o->dir.c_str(), s.message.c_str());
      return kExitError;
    }
    if (add->parsed()) return run_add(registry, *o, crypto);
    if (ls->parsed()) return run_ls(registry, *o);
    return run_show(registry, *o);
  };
}

}  // namespace continuum::cli
