// ModuleStore: the module versions stage updates installed, kept so that a
// confirmed update survives a restart of the node (docs/ota.md, "Updates
// across restarts").
//
//   <data_dir>/modules/<stage>/<sha256>.wasm   installed versions: the current
//                                              one and the one before it
//   <data_dir>/modules/<stage>/current.json    the version confirmed last and
//                                              the one it replaced
//   <data_dir>/modules/<stage>/rollbacks.json  the last rollbacks and why
//
// A version is stored when it is installed (it runs from there during
// probation, and a restart of the stage reloads it), but current.json only
// names it once its probation ended: a node that dies during probation comes
// back on the version before. Both files are written to a temporary name,
// flushed and renamed, so a crash leaves the old file or the new one, never a
// torn one.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "continuum/ota/signature.h"

namespace continuum::node::agent {

struct StoredModule {
  std::string path;    // <data_dir>/modules/<stage>/<sha256>.wasm
  std::string sha256;  // hex, of the whole file
};

class ModuleStore {
 public:
  explicit ModuleStore(std::filesystem::path data_dir) : root_(std::move(data_dir) / "modules") {}

  // Stores BYTES for STAGE (kept as is when that version is there already).
  std::optional<StoredModule> store(const std::string& stage, const std::string& bytes, std::string* error) const;
  // Makes M the version STAGE starts with. CONFIG_MODULE is the [[stage]]
  // module it replaces: a config naming another module later wins over it.
  // PREVIOUS_MODULE is the file the stage ran before M (the config's module
  // or an earlier stored version): kept for an explicit rollback, while
  // stored versions older than that are pruned.
  bool make_current(const std::string& stage, const StoredModule& m, const std::string& config_module,
                    const std::optional<ota::SignedManifest>& manifest, const std::string& previous_module,
                    std::string* error) const;
  // The file STAGE ran before its current version (current.json's
  // "previous"), if it is still there and the record applies to
  // CONFIG_MODULE; otherwise nullopt and `note` says why.
  std::optional<std::string> previous(const std::string& stage, const std::string& config_module,
                                      std::string* note) const;
  // rollbacks.json: the last rollbacks of STAGE, newest last (at most
  // kRollbackHistory), each with why it happened.
  void record_rollback(const std::string& stage, const nlohmann::json& record) const;
  nlohmann::json rollbacks(const std::string& stage) const;
  static constexpr std::size_t kRollbackHistory = 20;
  // The version STAGE starts with instead of CONFIG_MODULE, if any. A record
  // that cannot be used (unreadable, file missing or altered, made for
  // another config module) is ignored and `note` says why.
  std::optional<StoredModule> current(const std::string& stage, const std::string& config_module,
                                      std::string* note) const;

  // probation.json: written when a new version goes on probation, removed
  // when the probation ends. Found at the next start, it says the node
  // stopped before the outcome (that start runs the version before).
  bool begin_probation(const std::string& stage, const nlohmann::json& record, std::string* error) const;
  void end_probation(const std::string& stage) const;
  // The record left by a run that stopped during probation (removed).
  std::optional<nlohmann::json> take_unfinished_probation(const std::string& stage) const;

 private:
  std::filesystem::path root_;
};

}  // namespace continuum::node::agent
