// stage.update: hot swap of a stage's module with probation and automatic
// rollback (docs/ota.md, "Hot swap"). Runs on the agent's loop thread, like
// every command, so it swaps between two deliveries.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "whole_file.h"
#include "agent_impl.h"
#include "continuum/node/topics.h"
#include "continuum/ota/semver.h"
#include "continuum/ota/version_guard.h"
#include "continuum/node/wall_clock.h"

namespace continuum::node::agent {
namespace {

}  // namespace

// The heartbeat's module_version, module_name and module_sha256: the
// verified update's manifest, else what the module file's signature claims.
// Also what the OTA receiver's early downgrade check compares an offer with
// (installed_version).
void Agent::Impl::note_version(StageSlot& slot) {
  std::optional<ota::SignedManifest> manifest = slot.manifest;
  std::optional<std::string> running = read_whole_file(slot.module);
  if (!manifest) {
    std::string ignored;
    std::optional<ota::SignatureParts> parts = running ? ota::split_signature(*running, &ignored) : std::nullopt;
    if (parts && parts->signature) manifest = parts->signature->manifest;
  }
  const bool wasm = running && running->compare(0, 4, std::string_view("\0asm", 4)) == 0;
  std::string sha256 = wasm && crypto_ ? ota::to_hex(crypto_->sha256(*running)) : "";
  std::lock_guard<std::mutex> lock(stats_mutex_);
  slot.stats.module_version = manifest ? manifest->version : "";
  slot.stats.module_name = manifest ? manifest->name : "";
  slot.stats.module_sha256 = std::move(sha256);
}

// Receiver thread (the offer's early check): the running version of the
// stage that runs module NAME, so a downgrade is refused before a single
// chunk is downloaded. Empty when no stage runs a signed NAME.
std::optional<std::string> Agent::Impl::installed_version(const std::string& name) {
  std::lock_guard<std::mutex> lock(stats_mutex_);
  for (const auto& slot : slots_)
    if (slot->stats.module_name == name && !slot->stats.module_version.empty()) return slot->stats.module_version;
  return std::nullopt;
}

// Between two deliveries (commands run on the loop thread): the queue stays
// as it is and the next message goes to the new version.
bool Agent::Impl::update_stage(const std::string& stage, const std::string& path, bool allow_downgrade,
                               nlohmann::json* result, std::string* error) {
  StageSlot& slot = *find_slot(stage);
  // Loaded from the very bytes that were read (and verified), not the file again.
  std::optional<std::string> bytes = read_whole_file(path);
  if (!bytes) {
    *error = "stage " + stage + ": cannot load " + path + ": no such file, or not readable";
    publish_update_status(slot, "", ota::OtaState::kFailed, path, *error);
    return false;
  }
  return install_update(slot, *bytes, path, allow_downgrade, "", 0, result, error);
}

// stage.rollback: back to the version the stage ran before its current one
// (current.json's "previous"), past the downgrade guard because an operator
// asked for it. During a probation it ends the probation now, and the
// previous version takes the state the new one has now (hand_state_back).
// The swap itself is stage.update's (probation included), and the reason is
// recorded (rollbacks.json, heartbeat).
bool Agent::Impl::rollback_stage(const std::string& stage, nlohmann::json* result, std::string* error) {
  StageSlot& slot = *find_slot(stage);
  const std::string why = "explicit rollback (stage.rollback)";
  if (slot.probation) {
    const std::string from = slot.probation->label;
    std::string not_handed;
    const std::string handover = hand_state_back(slot, &not_handed);
    if (handover.empty())
      std::fprintf(stderr, "%s/%s: the state of %s cannot go back to the previous version (%s): that one resumes "
                   "with its state as at the update\n", config_.id.c_str(), stage.c_str(), from.c_str(),
                   not_handed.c_str());
    roll_back(slot, why);
    *result = stage_state(slot);
    (*result)["rollback"] = "probation ended";
    (*result)["from"] = from;
    (*result)["module"] = slot.module;
    (*result)["handover"] = handover.empty() ? "none: " + not_handed : handover;
    return true;
  }
  std::string note;
  std::optional<std::string> previous = modules_.previous(stage, slot.settings.module, &note);
  if (!previous) {
    *error = "stage " + stage + " cannot roll back: " + note;
    return false;
  }
  std::optional<std::string> bytes = read_whole_file(*previous);
  if (!bytes) {
    *error = "stage " + stage + ": cannot read the previous version " + *previous;
    return false;
  }
  const std::string from = slot.module, from_version = slot.stats.module_version;
  if (!install_update(slot, *bytes, "rollback to " + *previous, /*allow_downgrade=*/true, "", 0, result, error))
    return false;
  nlohmann::json record{{"at_ms", wall_clock_ms()}, {"kind", "explicit"}, {"from", from}, {"to", *previous}, {"reason", why}};
  if (!from_version.empty()) record["from_version"] = from_version;
  modules_.record_rollback(stage, record);
  {
    std::lock_guard<std::mutex> lock(stats_mutex_);
    slot.stats.last_rollback = why;
  }
  (*result)["rollback"] = "probation";
  (*result)["from"] = from;
  return true;
}

bool Agent::Impl::install_update(StageSlot& slot, const std::string& bytes, const std::string& label,
                                 bool allow_downgrade, const std::string& transfer, uint64_t attempt,
                                 nlohmann::json* result, std::string* error) {
  const std::string& stage = slot.settings.name;
  if (!slot.runtime) {
    *error = "stage " + stage + " is not running (stopped or waiting to restart); start it first";
    return false;
  }
  if (slot.probation) {
    *error = "stage " + stage + " is still on probation after an update to " + slot.probation->label + "; try again later";
    return false;
  }
  // The swap time: this runs on the loop thread, between two deliveries, so
  // from here until the new instance is in place the stage handles nothing
  // (its messages wait in its queue): checks, storing, loading beside the
  // old one, the state handover.
  const Clock::time_point swap_start = Clock::now();
  // An OTA install's "installing" is the receiver's to report.
  if (transfer.empty()) publish_update_status(slot, "", ota::OtaState::kInstalling, label, "");
  std::unique_ptr<host::StageRuntime> next;
  std::optional<ota::SignedManifest> manifest;
  std::optional<StoredModule> stored;
  if (config_.trust.keys.empty() || check_signature(slot, bytes, allow_downgrade, &manifest, error)) {
    if (bytes.compare(0, 4, std::string_view("\0asm", 4)) == 0) {
      // Kept in <data_dir>/modules: a restart of the stage reloads it from
      // there, and once confirmed so does a restart of the node.
      stored = modules_.store(stage, bytes, error);
      if (stored) next = make_runtime(slot, stored->path, error, &bytes);
    } else {
      // A native build (.so, unsigned, tests and benchmarks only): run from
      // where it is, not kept across restarts.
      stored = StoredModule{label, ""};
      next = make_runtime(slot, label, error);
    }
  }
  host::HandoverKind kind{};
  std::string why;
  const Clock::time_point handover_start = Clock::now();
  if (next && !slot.runtime->handover_to(*next, &kind, &why)) {
    *error = "stage " + stage + ": the new version failed to take over (" + why + "); the old one keeps serving";
    next.reset();
  }
  if (!next) {
    if (transfer.empty()) publish_update_status(slot, "", ota::OtaState::kFailed, label, *error);
    return false;
  }
  slot.probation = StageSlot::Probation{std::move(slot.runtime), slot.module, slot.manifest,
                                        config_.update.health_messages, Clock::now() + config_.update.health_window,
                                        *stored, transfer, label};
  slot.runtime = std::move(next);
  const Clock::time_point swapped = Clock::now();
  slot.module = stored->path;
  slot.manifest = manifest;
  note_version(slot);
  nlohmann::json record{{"label", label}, {"sha256", stored->sha256}, {"transfer", transfer}, {"attempt", attempt}};
  if (manifest) record.update({{"name", manifest->name}, {"version", manifest->version}});
  std::string not_recorded;
  if (!stored->sha256.empty() && !modules_.begin_probation(stage, record, &not_recorded))
    std::fprintf(stderr, "%s/%s: %s\n", config_.id.c_str(), stage.c_str(), not_recorded.c_str());
  std::fprintf(stderr, "%s/%s: updated to %s (stored as %s); on probation for %llu messages or %lld ms\n",
               config_.id.c_str(), stage.c_str(), label.c_str(), stored->path.c_str(),
               static_cast<unsigned long long>(config_.update.health_messages),
               static_cast<long long>(config_.update.health_window.count()));
  *result = stage_state(slot);
  (*result)["module"] = label;
  (*result)["stored"] = stored->path;
  (*result)["update"] = "probation";
  (*result)["handover"] = kind == host::HandoverKind::StateHooks ? "state-hooks" : "kv-only";
  auto ms = [](Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
  (*result)["swap_ms"] = ms(swapped - swap_start);
  (*result)["handover_ms"] = ms(swapped - handover_start);
  (*result)["health_messages"] = config_.update.health_messages;
  (*result)["health_window_ms"] = config_.update.health_window.count();
  if (manifest) {
    (*result)["name"] = manifest->name;
    (*result)["version"] = manifest->version;
    (*result)["key_id"] = manifest->key_id;
  }
  return true;
}

// Bus thread. slots_ does not change after open(), so the lookup is safe;
// everything else waits for the loop thread.
ota::InstallResult Agent::Impl::accept_ota_module(const ota::VerifiedModule& module) {
  if (module.stage.empty())
    return {ota::OtaState::kFailed, "the offer names no stage (offer field \"stage\"): nothing to install"};
  if (!find_slot(module.stage))
    return {ota::OtaState::kFailed, "node " + config_.id + " has no stage " + module.stage};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_installs_.push_back(module);
  }
  wake_.notify_one();
  return {ota::OtaState::kInstalling, ""};  // the outcome follows (report_outcome)
}

// Loop thread: the same checks and swap as stage.update; the outcome goes
// to the receiver at once on a refusal, else when the probation ends.
void Agent::Impl::run_ota_installs() {
  std::deque<ota::VerifiedModule> installs;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    installs.swap(pending_installs_);
  }
  for (const ota::VerifiedModule& m : installs) {
    StageSlot& slot = *find_slot(m.stage);
    nlohmann::json result;
    std::string error;
    std::string label = "transfer " + m.transfer + " (" + m.manifest.name + " " + m.manifest.version + ")";
    if (!install_update(slot, m.bytes, label, m.rollback, m.transfer, m.attempt, &result, &error)) {
      std::fprintf(stderr, "%s/%s: OTA %s refused: %s\n", config_.id.c_str(), m.stage.c_str(), label.c_str(),
                   error.c_str());
      publish_update_status(slot, m.transfer, ota::OtaState::kFailed, label, error);
    }
  }
}

// At open(): a confirmed update replaces the config's module.
void Agent::Impl::pick_start_module(StageSlot& slot) {
  nlohmann::json rollbacks = modules_.rollbacks(slot.settings.name);
  if (!rollbacks.empty() && rollbacks.back().is_object())
    slot.stats.last_rollback = rollbacks.back().value("reason", std::string());
  std::string note;
  std::optional<StoredModule> current = modules_.current(slot.settings.name, slot.settings.module, &note);
  if (!note.empty())
    std::fprintf(stderr, "%s/%s: confirmed update not used: %s\n", config_.id.c_str(), slot.settings.name.c_str(),
                 note.c_str());
  if (!current) return note_version(slot);
  std::fprintf(stderr, "%s/%s: starting the confirmed update %s instead of %s\n", config_.id.c_str(),
               slot.settings.name.c_str(), current->path.c_str(), slot.settings.module.c_str());
  slot.module = current->path;  // its signature, read from the file, is the running version (check_signature)
  note_version(slot);
}

// With [trust]: a valid signature by a trusted key, the same module name as
// the running version and, unless allow_downgrade, a higher version
// (VersionGuard). The running version is the one the last verified update
// installed, or else what the running module file's signature claims.
bool Agent::Impl::check_signature(StageSlot& slot, const std::string& bytes, bool allow_downgrade,
                                  std::optional<ota::SignedManifest>* manifest, std::string* error) {
  ota::VerifyOutcome v = ota::verify_module(bytes, trust_, *crypto_);
  if (!v.ok()) {
    *error = std::string("signature: ") + ota::verify_status_name(v.status) + ": " + v.detail;
    return false;
  }
  std::optional<ota::SignedManifest> installed = slot.manifest;
  if (!installed) {
    std::string ignored;
    std::optional<std::string> running = read_whole_file(slot.module);
    std::optional<ota::SignatureParts> parts = running ? ota::split_signature(*running, &ignored) : std::nullopt;
    if (parts && parts->signature) installed = parts->signature->manifest;
  }
  if (installed && installed->name != v.manifest.name) {
    *error = "module " + v.manifest.name + " is not the module the stage runs (" + installed->name + ")";
    return false;
  }
  std::optional<ota::Semver> candidate = ota::parse_semver(v.manifest.version);
  std::optional<ota::Semver> current = installed ? ota::parse_semver(installed->version) : std::nullopt;
  if (!candidate) {
    *error = "module " + v.manifest.name + ": version " + v.manifest.version + " is not a semantic version";
    return false;
  }
  ota::GuardDecision guard = ota::VersionGuard::check(v.manifest.name, *candidate, current, allow_downgrade);
  if (!guard.allowed) {
    *error = guard.reason;
    return false;
  }
  *manifest = v.manifest;
  return true;
}

// At open(), once the receiver exists and before the bus connects: a run
// that stopped while STAGE had a new version on probation left a record;
// that version is not running now, so an OTA install of it is reported
// rolled back (and not taken again from the re-delivered offer).
void Agent::Impl::report_unfinished_probation(StageSlot& slot) {
  std::optional<nlohmann::json> record = modules_.take_unfinished_probation(slot.settings.name);
  if (!record) return;
  const std::string why = "the node stopped while the new version was on probation; the previous version runs";
  std::fprintf(stderr, "%s/%s: %s was on probation when the node stopped: back on %s\n", config_.id.c_str(),
               slot.settings.name.c_str(), record->value("label", std::string("an update")).c_str(),
               slot.module.c_str());
  std::string transfer = record->value("transfer", std::string());
  std::optional<ota::Sha256> sha256 = ota::sha256_from_hex(record->value("sha256", std::string()));
  if (transfer.empty() || !sha256 || !ota_receiver_) return;
  ota::OtaStatus status;
  status.transfer = transfer;
  status.attempt = record->value("attempt", uint64_t{0});
  status.name = record->value("name", std::string());
  status.version = record->value("version", std::string());
  status.state = ota::OtaState::kRolledBack;
  status.reason = why;
  ota_receiver_->report_unfinished(status, *sha256);
}

// An explicit rollback during probation: the previous version comes back
// with the state the new one has now, so what the messages since the update
// did to it is kept (an EMA keeps its value). The same handover as the swap,
// the other way: a fresh instance of the previous version gets the KV state
// and, when both versions export the hooks, ctm_state_save of the new one
// through ctm_state_load; it replaces the previous instance kept since the
// swap. Not for an automatic rollback: the new version failed (trapped, out
// of fuel), its state is not to be trusted, and its instance is not called
// again.
std::string Agent::Impl::hand_state_back(StageSlot& slot, std::string* why) {
  StageSlot::Probation& p = *slot.probation;
  if (!slot.runtime) {
    *why = "the new version is not running";
    return "";
  }
  std::unique_ptr<host::StageRuntime> fresh = make_runtime(slot, p.previous_module, why);
  host::HandoverKind kind{};
  if (!fresh || !slot.runtime->handover_to(*fresh, &kind, why)) return "";
  if (p.previous) carry_counters(slot, *p.previous);
  p.previous = std::move(fresh);
  return kind == host::HandoverKind::StateHooks ? "state-hooks" : "kv-only";
}

// The new version failed on probation, or an operator asked: drop it and
// run the old one again (as it was at the swap, unless hand_state_back gave
// it the new one's state first).
void Agent::Impl::roll_back(StageSlot& slot, const std::string& why) {
  carry_counters(slot, *slot.runtime);
  const std::string failed_module = slot.probation->label;
  slot.runtime = std::move(slot.probation->previous);
  slot.module = slot.probation->previous_module;
  slot.manifest = slot.probation->previous_manifest;
  const std::string transfer = slot.probation->transfer;
  note_version(slot);
  modules_.end_probation(slot.settings.name);
  std::error_code ignored;
  if (!slot.probation->stored.sha256.empty() && slot.probation->stored.path != slot.module)
    std::filesystem::remove(slot.probation->stored.path, ignored);
  slot.probation.reset();
  slot.rolled_back = true;
  // Kept with the reason: the status message is retained only until the
  // next update, the log may be gone.
  modules_.record_rollback(slot.settings.name, {{"at_ms", wall_clock_ms()},
                                                {"kind", transfer.empty() ? "probation" : "probation (OTA)"},
                                                {"from", failed_module},
                                                {"to", slot.module},
                                                {"transfer", transfer},
                                                {"reason", why}});
  {
    std::lock_guard<std::mutex> lock(stats_mutex_);
    ++slot.stats.rollbacks;
    slot.stats.last_rollback = why;
  }
  std::fprintf(stderr, "%s/%s: the update to %s %s; rolled back to %s\n", config_.id.c_str(),
               slot.settings.name.c_str(), failed_module.c_str(), why.c_str(), slot.module.c_str());
  publish_update_status(slot, transfer, ota::OtaState::kRolledBack, failed_module, why);
}

// The probation passed: from now on the node starts with this version.
void Agent::Impl::confirm_update(StageSlot& slot) {
  if (!slot.probation) return;
  if (slot.probation->previous) carry_counters(slot, *slot.probation->previous);
  std::string error;
  if (!slot.probation->stored.sha256.empty() &&
      !modules_.make_current(slot.settings.name, slot.probation->stored, slot.settings.module, slot.manifest,
                             slot.probation->previous_module, &error))
    std::fprintf(stderr, "%s/%s: the update runs but will not survive a restart: %s\n", config_.id.c_str(),
                 slot.settings.name.c_str(), error.c_str());
  const std::string transfer = slot.probation->transfer, label = slot.probation->label;
  slot.probation.reset();
  modules_.end_probation(slot.settings.name);
  publish_update_status(slot, transfer, ota::OtaState::kRunning, label, "");
}

// Retained on ctm/v1/<node>/ota/status (docs/ota.md): what the last update
// of a stage came to. An OTA install's outcome goes through the receiver,
// which reports it in the transfer protocol's form (transfer, attempt).
void Agent::Impl::publish_update_status(const StageSlot& slot, const std::string& transfer, ota::OtaState state,
                                        const std::string& module, const std::string& reason) {
  if (!transfer.empty()) {
    if (ota_receiver_) ota_receiver_->report_outcome(transfer, {state, reason});
    return;
  }
  if (!bus_) return;
  nlohmann::json j{{"transfer", "stage.update:" + slot.settings.name}, {"name", slot.settings.name},
                   {"stage", slot.settings.name}, {"module", module}, {"state", ota::ota_state_name(state)}};
  if (!reason.empty()) j["reason"] = reason;
  int token = 0;
  bus_->publish(topics::ota_status(config_.id), j.dump(), 1, true, &token);
}

}  // namespace continuum::node::agent
