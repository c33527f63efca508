// stage.update: hot swap of a stage's module with probation and automatic
// rollback (docs/ota.md, "Hot swap"). Runs on the agent's loop thread, like
// every command, so it swaps between two deliveries.
#include <cstdio>
#include <fstream>
#include <iterator>

#include "agent_impl.h"
#include "continuum/node/topics.h"
#include "continuum/ota/semver.h"
#include "continuum/ota/version_guard.h"

namespace continuum::node::agent {
namespace {

std::optional<std::string> read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return bytes;
}

}  // namespace

// Between two deliveries (commands run on the loop thread): the queue stays
// as it is and the next message goes to the new version.
bool Agent::Impl::update_stage(const std::string& stage, const std::string& path, bool allow_downgrade,
                               nlohmann::json* result, std::string* error) {
  StageSlot& slot = *find_slot(stage);
  if (!slot.runtime) {
    *error = "stage " + stage + " is not running (stopped or waiting to restart); start it first";
    return false;
  }
  if (slot.probation) {
    *error = "stage " + stage + " is still on probation after an update to " + slot.module + "; try again later";
    return false;
  }
  publish_update_status(slot, "installing", path, "");
  std::unique_ptr<host::StageRuntime> next;
  std::optional<ota::SignedManifest> manifest;
  if (crypto_) {
    // Loaded from the very bytes that were verified, not the file again.
    std::optional<std::string> bytes = read_whole_file(path);
    if (!bytes) *error = "cannot read " + path;
    else if (check_signature(slot, *bytes, allow_downgrade, &manifest, error))
      next = make_runtime(slot, path, error, &*bytes);
  } else {
    next = make_runtime(slot, path, error);
  }
  host::HandoverKind kind{};
  std::string why;
  if (next && !slot.runtime->handover_to(*next, &kind, &why)) {
    *error = "stage " + stage + ": the new version failed to take over (" + why + "); the old one keeps serving";
    next.reset();
  }
  if (!next) {
    publish_update_status(slot, "failed", path, *error);
    return false;
  }
  slot.probation = StageSlot::Probation{std::move(slot.runtime), slot.module, slot.manifest,
                                        config_.update.health_messages, Clock::now() + config_.update.health_window};
  slot.runtime = std::move(next);
  slot.module = path;
  slot.manifest = manifest;
  std::fprintf(stderr, "%s/%s: updated to %s; on probation for %llu messages or %lld ms\n", config_.id.c_str(),
               stage.c_str(), path.c_str(), static_cast<unsigned long long>(config_.update.health_messages),
               static_cast<long long>(config_.update.health_window.count()));
  *result = stage_state(slot);
  (*result)["module"] = path;
  (*result)["update"] = "probation";
  (*result)["handover"] = kind == host::HandoverKind::StateHooks ? "state-hooks" : "kv-only";
  (*result)["health_messages"] = config_.update.health_messages;
  (*result)["health_window_ms"] = config_.update.health_window.count();
  if (manifest) {
    (*result)["name"] = manifest->name;
    (*result)["version"] = manifest->version;
    (*result)["key_id"] = manifest->key_id;
  }
  return true;
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

// The new version failed on probation: drop it and run the old one again
// (as it was at the swap: what the new one changed in its state is lost).
void Agent::Impl::roll_back(StageSlot& slot, const std::string& why) {
  carry_counters(slot, *slot.runtime);
  const std::string failed_module = slot.module;
  slot.runtime = std::move(slot.probation->previous);
  slot.module = slot.probation->previous_module;
  slot.manifest = slot.probation->previous_manifest;
  slot.probation.reset();
  slot.rolled_back = true;
  {
    std::lock_guard<std::mutex> lock(stats_mutex_);
    ++slot.stats.rollbacks;
  }
  std::fprintf(stderr, "%s/%s: the update to %s %s; rolled back to %s\n", config_.id.c_str(),
               slot.settings.name.c_str(), failed_module.c_str(), why.c_str(), slot.module.c_str());
  publish_update_status(slot, "rolled-back", failed_module, why);
}

void Agent::Impl::confirm_update(StageSlot& slot) {
  if (!slot.probation) return;
  if (slot.probation->previous) carry_counters(slot, *slot.probation->previous);
  slot.probation.reset();
  publish_update_status(slot, "running", slot.module, "");
}

// Retained on ctm/v1/<node>/ota/status (docs/ota.md): what the last update
// of a stage came to.
void Agent::Impl::publish_update_status(const StageSlot& slot, const char* state, const std::string& module,
                                        const std::string& reason) {
  if (!bus_) return;
  nlohmann::json j{{"transfer", "stage.update:" + slot.settings.name}, {"name", slot.settings.name},
                   {"stage", slot.settings.name}, {"module", module}, {"state", state}};
  if (!reason.empty()) j["reason"] = reason;
  int token = 0;
  bus_->publish(topics::ota_status(config_.id), j.dump(), 1, true, &token);
}

}  // namespace continuum::node::agent
