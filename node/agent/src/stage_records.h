// StageRecords: the stages a node took in (adopted by a move, or placed on
// it by the cloud) and the stages it gave away, kept in its data dir so that
// a move survives a restart of either node (docs/migration.md "Across
// restarts"). One record per stage name:
//
//   <data_dir>/stages/<stage>.json      the record (below), JSON
//   <data_dir>/stages/<stage>.snapshot  an adopted stage's last stage
//                                       snapshot (docs/snapshot.md), binary
//
//   adopted:    {"stage","kind":"adopted","from","publisher","settings",
//                "module","module_sha256","at_ms",
//                "snapshot":{"taken_ms","clean","next_seq","covered"}}
//     The node runs this stage although its config does not name it. At
//     start it is brought back from "settings" with "module" (a wasm file
//     whose SHA-256 must be "module_sha256"; "" for a native build) under
//     the publisher identity "publisher", restored from the snapshot file.
//     "snapshot" describes that file: taken at a clean stop ("clean": true)
//     or by [migration] snapshot_every (after a crash, inputs handled since
//     then are lost to its state).
//   moved_away: {"stage","kind":"moved_away","to","at_ms"}
//     A stage of this node's config that runs on node "to" now: not run at
//     start, reported "moved" with moved_to. Cleared when it moves back.
//
// Every file is written to a temporary name, flushed and renamed: a crash
// leaves the old record or the new one. The agent's loop thread is the only
// user (commands, the stop); the records are read once, at start.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace continuum::node::agent {

struct StageRecord {
  enum class Kind : uint8_t { kAdopted, kMovedAway };
  std::string stage;
  Kind kind = Kind::kAdopted;
  int64_t at_ms = 0;  // wall clock of the move
  // kMovedAway: the node the stage runs on now.
  std::string to;
  // kAdopted: where it came from, the node id its outputs are published
  // under, its settings (stage_settings_json), its module file.
  std::string from;
  std::string publisher;
  nlohmann::json settings;
  std::string module;
  std::string module_sha256;  // hex; "" for a native build ([migration] native)
  // kAdopted: what the snapshot file holds, once one was saved.
  struct Snapshot {
    int64_t taken_ms = 0;
    bool clean = false;  // saved by a clean stop (else: periodic, snapshot_every)
    uint64_t next_seq = 0;
    std::map<std::string, uint64_t, std::less<>> covered;  // last input handled per upstream publisher
  };
  std::optional<Snapshot> snapshot;
};

class StageRecords {
 public:
  explicit StageRecords(std::filesystem::path data_dir) : root_(std::move(data_dir) / "stages") {}

  // Writes STAGE's record (replacing any earlier one, and dropping a saved
  // snapshot when the record is not kAdopted).
  bool put(const StageRecord& record, std::string* error) const;
  // STAGE's record; nullopt when there is none, or (with *problem set) when
  // it cannot be read.
  std::optional<StageRecord> get(const std::string& stage, std::string* problem) const;
  // Every record; PROBLEMS lists the files that could not be read, each
  // with the reason (they are left in place for the operator).
  std::vector<StageRecord> all(std::vector<std::string>* problems) const;
  // Removes STAGE's record and snapshot (a stage moved back home, or an
  // adopted stage moved on).
  void forget(const std::string& stage) const;

  // An adopted stage's snapshot BYTES, then RECORD (its snapshot note, and
  // its module should an update have changed it). A crash between the two
  // leaves the newer file with the older record: the file carries its own
  // pending inputs and module digest (a restore from another module is
  // refused), the note only what is logged and the covered seqs.
  bool save_snapshot(const StageRecord& record, const std::vector<uint8_t>& bytes, std::string* error) const;
  std::optional<std::string> snapshot_bytes(const std::string& stage) const;

  std::filesystem::path record_path(const std::string& stage) const { return root_ / (stage + ".json"); }
  std::filesystem::path snapshot_path(const std::string& stage) const { return root_ / (stage + ".snapshot"); }

 private:
  std::filesystem::path root_;
};

nlohmann::json stage_record_json(const StageRecord& record);
// nullopt and *error naming what is wrong.
std::optional<StageRecord> stage_record_from_json(const nlohmann::json& j, std::string* error);

}  // namespace continuum::node::agent
