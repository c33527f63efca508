#include "stage_records.h"

#include <system_error>

#include "migration_wire.h"
#include "whole_file.h"

namespace continuum::node::agent {

using nlohmann::json;

namespace {

const char* kind_name(StageRecord::Kind kind) {
  return kind == StageRecord::Kind::kAdopted ? "adopted" : "moved_away";
}

bool string_member(const json& j, const char* name, std::string* out, std::string* error) {
  if (!j.contains(name) || !j[name].is_string()) {
    *error = std::string("\"") + name + "\": expected a string";
    return false;
  }
  *out = j[name].get<std::string>();
  return true;
}

}  // namespace

json stage_record_json(const StageRecord& r) {
  json j = {{"stage", r.stage}, {"kind", kind_name(r.kind)}, {"at_ms", r.at_ms}};
  if (r.kind == StageRecord::Kind::kMovedAway) {
    j["to"] = r.to;
    return j;
  }
  j.update({{"from", r.from},
            {"publisher", r.publisher},
            {"settings", r.settings},
            {"module", r.module},
            {"module_sha256", r.module_sha256}});
  if (r.snapshot)
    j["snapshot"] = {{"taken_ms", r.snapshot->taken_ms},
                     {"clean", r.snapshot->clean},
                     {"next_seq", r.snapshot->next_seq},
                     {"covered", covered_json(r.snapshot->covered)}};
  return j;
}

std::optional<StageRecord> stage_record_from_json(const json& j, std::string* error) {
  if (!j.is_object()) {
    *error = "expected a JSON object";
    return std::nullopt;
  }
  StageRecord r;
  std::string kind;
  if (!string_member(j, "stage", &r.stage, error) || !string_member(j, "kind", &kind, error)) return std::nullopt;
  r.at_ms = j.value("at_ms", int64_t{0});
  if (kind == "moved_away") {
    r.kind = StageRecord::Kind::kMovedAway;
    if (!string_member(j, "to", &r.to, error)) return std::nullopt;
    return r;
  }
  if (kind != "adopted") {
    *error = "\"kind\": expected adopted or moved_away, got \"" + kind + "\"";
    return std::nullopt;
  }
  if (!string_member(j, "from", &r.from, error) || !string_member(j, "publisher", &r.publisher, error) ||
      !string_member(j, "module", &r.module, error) || !string_member(j, "module_sha256", &r.module_sha256, error))
    return std::nullopt;
  if (!j.contains("settings") || !j["settings"].is_object()) {
    *error = "\"settings\": expected an object";
    return std::nullopt;
  }
  r.settings = j["settings"];
  if (j.contains("snapshot")) {
    const json& s = j["snapshot"];
    if (!s.is_object() || !s.contains("next_seq") || !s["next_seq"].is_number_unsigned()) {
      *error = "\"snapshot\": expected an object with next_seq";
      return std::nullopt;
    }
    StageRecord::Snapshot note;
    note.taken_ms = s.value("taken_ms", int64_t{0});
    note.clean = s.value("clean", false);
    note.next_seq = s["next_seq"].get<uint64_t>();
    if (s.contains("covered") && !covered_from_json(s["covered"], &note.covered, error)) return std::nullopt;
    r.snapshot = std::move(note);
  }
  return r;
}

bool StageRecords::put(const StageRecord& record, std::string* error) const {
  std::error_code ec;
  std::filesystem::create_directories(root_, ec);
  if (ec) {
    *error = "cannot create " + root_.string() + ": " + ec.message();
    return false;
  }
  if (!write_whole_file_atomically(record_path(record.stage), stage_record_json(record).dump() + "\n", error))
    return false;
  if (record.kind != StageRecord::Kind::kAdopted) std::filesystem::remove(snapshot_path(record.stage), ec);
  return true;
}

std::optional<StageRecord> StageRecords::get(const std::string& stage, std::string* problem) const {
  std::error_code ec;
  if (!std::filesystem::exists(record_path(stage), ec)) return std::nullopt;
  std::optional<std::string> text = read_whole_file(record_path(stage));
  json j = text ? json::parse(*text, nullptr, false) : json();
  std::string why = text ? "" : "unreadable";
  std::optional<StageRecord> r = j.is_discarded() ? std::nullopt : stage_record_from_json(j, &why);
  if (j.is_discarded()) why = "not valid JSON";
  if (r && r->stage != stage) {
    why = "names stage \"" + r->stage + "\", not \"" + stage + "\"";
    r.reset();
  }
  if (!r) *problem = record_path(stage).string() + ": " + why;
  return r;
}

std::vector<StageRecord> StageRecords::all(std::vector<std::string>* problems) const {
  std::vector<StageRecord> records;
  std::error_code ec;
  if (!std::filesystem::is_directory(root_, ec)) return records;
  for (const auto& entry : std::filesystem::directory_iterator(root_, ec)) {
    if (entry.path().extension() != ".json") continue;
    std::string problem;
    std::optional<StageRecord> r = get(entry.path().stem().string(), &problem);
    if (r) records.push_back(std::move(*r));
    else if (!problem.empty()) problems->push_back(problem);
  }
  return records;
}

void StageRecords::forget(const std::string& stage) const {
  std::error_code ec;
  std::filesystem::remove(record_path(stage), ec);
  std::filesystem::remove(snapshot_path(stage), ec);
}

bool StageRecords::save_snapshot(const StageRecord& record, const std::vector<uint8_t>& bytes,
                                 std::string* error) const {
  if (record.kind != StageRecord::Kind::kAdopted || !record.snapshot) {
    *error = "stage " + record.stage + ": only an adopted stage's record with a snapshot note goes with a snapshot";
    return false;
  }
  std::error_code ec;
  std::filesystem::create_directories(root_, ec);
  std::string_view view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return write_whole_file_atomically(snapshot_path(record.stage), view, error) && put(record, error);
}

std::optional<std::string> StageRecords::snapshot_bytes(const std::string& stage) const {
  return read_whole_file(snapshot_path(stage));
}

}  // namespace continuum::node::agent
