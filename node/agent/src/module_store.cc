#include "whole_file.h"
#include "module_store.h"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "continuum/adapters/openssl_crypto.h"
#include "continuum/ota/bytes.h"

namespace continuum::node::agent {
namespace {

std::string hex_sha256(const std::string& bytes) { return ota::to_hex(adapters::OpenSslCrypto().sha256(bytes)); }

}  // namespace

std::optional<StoredModule> ModuleStore::store(const std::string& stage, const std::string& bytes,
                                               std::string* error) const {
  std::filesystem::path dir = root_ / stage;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    *error = "cannot create " + dir.string() + ": " + ec.message();
    return std::nullopt;
  }
  StoredModule m;
  m.sha256 = hex_sha256(bytes);
  std::filesystem::path path = dir / (m.sha256 + ".wasm");
  m.path = path.string();
  std::optional<std::string> there = read_whole_file(path);
  if (there && *there == bytes) return m;
  if (!write_whole_file_atomically(path, bytes, error)) return std::nullopt;
  return m;
}

bool ModuleStore::make_current(const std::string& stage, const StoredModule& m, const std::string& config_module,
                               const std::optional<ota::SignedManifest>& manifest, const std::string& previous_module,
                               std::string* error) const {
  nlohmann::json j{{"module", std::filesystem::path(m.path).filename().string()},
                   {"sha256", m.sha256},
                   {"config_module", config_module}};
  if (manifest) {
    j["name"] = manifest->name;  // for people reading the file; the module's signature is what counts
    j["version"] = manifest->version;
  }
  if (!previous_module.empty() && previous_module != m.path) j["previous"] = previous_module;
  if (!write_whole_file_atomically(root_ / stage / "current.json", j.dump() + "\n", error)) return false;
  // Only the current version and the one before it are needed (a restart,
  // an explicit rollback); older ones would pile up with every update.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root_ / stage, ec)) {
    const std::filesystem::path& p = entry.path();
    if (p.extension() != ".wasm" || p == std::filesystem::path(m.path) || p == std::filesystem::path(previous_module))
      continue;
    std::error_code ignored;
    std::filesystem::remove(p, ignored);
  }
  return true;
}

std::optional<std::string> ModuleStore::previous(const std::string& stage, const std::string& config_module,
                                                 std::string* note) const {
  std::optional<std::string> text = read_whole_file(root_ / stage / "current.json");
  nlohmann::json j = text ? nlohmann::json::parse(*text, nullptr, false) : nlohmann::json();
  if (!j.is_object() || !j.value("previous", nlohmann::json()).is_string()) {
    *note = "no previous version is kept (no update of this stage was confirmed since it ran its config's module)";
    return std::nullopt;
  }
  if (j.value("config_module", std::string()) != config_module) {
    *note = "the config now names " + config_module + ", not the module the kept versions replaced";
    return std::nullopt;
  }
  std::string path = j["previous"].get<std::string>();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    *note = "the previous version's file " + path + " is missing";
    return std::nullopt;
  }
  return path;
}

void ModuleStore::record_rollback(const std::string& stage, const nlohmann::json& record) const {
  nlohmann::json history = rollbacks(stage);
  history.push_back(record);
  while (history.size() > kRollbackHistory) history.erase(history.begin());
  std::error_code ec;
  std::filesystem::create_directories(root_ / stage, ec);
  std::string error;
  if (!write_whole_file_atomically(root_ / stage / "rollbacks.json", history.dump() + "\n", &error))
    std::fprintf(stderr, "%s: the rollback is not recorded: %s\n", stage.c_str(), error.c_str());
}

nlohmann::json ModuleStore::rollbacks(const std::string& stage) const {
  std::optional<std::string> text = read_whole_file(root_ / stage / "rollbacks.json");
  nlohmann::json j = text ? nlohmann::json::parse(*text, nullptr, false) : nlohmann::json::array();
  return j.is_array() ? j : nlohmann::json::array();
}

std::optional<StoredModule> ModuleStore::current(const std::string& stage, const std::string& config_module,
                                                 std::string* note) const {
  std::filesystem::path record = root_ / stage / "current.json";
  std::optional<std::string> text = read_whole_file(record);
  if (!text) return std::nullopt;  // no confirmed update: the config's module
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.value("module", nlohmann::json()).is_string() ||
      !j.value("sha256", nlohmann::json()).is_string()) {
    *note = record.string() + " is not a valid record; ignored";
    return std::nullopt;
  }
  if (j.value("config_module", std::string()) != config_module) {
    *note = "the config now names " + config_module + " (the update in " + record.string() + " replaced " +
            j.value("config_module", std::string()) + "); the config wins";
    return std::nullopt;
  }
  std::string name = j["module"].get<std::string>();
  StoredModule m{(root_ / stage / name).string(), j["sha256"].get<std::string>()};
  if (name.find('/') != std::string::npos) {
    *note = record.string() + " names a module outside its directory; ignored";
    return std::nullopt;
  }
  std::optional<std::string> bytes = read_whole_file(m.path);
  if (!bytes || hex_sha256(*bytes) != m.sha256) {
    *note = m.path + (bytes ? " does not match its recorded SHA-256" : " is missing") + "; ignored";
    return std::nullopt;
  }
  return m;
}

bool ModuleStore::begin_probation(const std::string& stage, const nlohmann::json& record, std::string* error) const {
  return write_whole_file_atomically(root_ / stage / "probation.json", record.dump() + "\n", error);
}

void ModuleStore::end_probation(const std::string& stage) const {
  std::error_code ignored;
  std::filesystem::remove(root_ / stage / "probation.json", ignored);
}

std::optional<nlohmann::json> ModuleStore::take_unfinished_probation(const std::string& stage) const {
  std::optional<std::string> text = read_whole_file(root_ / stage / "probation.json");
  if (!text) return std::nullopt;
  end_probation(stage);
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return nlohmann::json::object();  // torn by nothing we wrote; still says "stopped"
  return j;
}

}  // namespace continuum::node::agent
