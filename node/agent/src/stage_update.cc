// stage.update: hot swap of a stage's module with probation and automatic
// rollback (docs/ota.md, "Hot swap"). Runs on the agent's loop thread, like
// every command, so it swaps between two deliveries.
#include <cstdio>

#include "agent_impl.h"
#include "continuum/node/topics.h"

namespace continuum::node::agent {

// Between two deliveries (commands run on the loop thread): the queue stays
// as it is and the next message goes to the new version.
bool Agent::Impl::update_stage(const std::string& stage, const std::string& path, nlohmann::json* result,
                               std::string* error) {
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
  std::unique_ptr<host::StageRuntime> next = make_runtime(slot, path, error);
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
  slot.probation = StageSlot::Probation{std::move(slot.runtime), slot.module, config_.update.health_messages,
                                        Clock::now() + config_.update.health_window};
  slot.runtime = std::move(next);
  slot.module = path;
  std::fprintf(stderr, "%s/%s: updated to %s; on probation for %llu messages or %lld ms\n", config_.id.c_str(),
               stage.c_str(), path.c_str(), static_cast<unsigned long long>(config_.update.health_messages),
               static_cast<long long>(config_.update.health_window.count()));
  *result = stage_state(slot);
  (*result)["module"] = path;
  (*result)["update"] = "probation";
  (*result)["handover"] = kind == host::HandoverKind::StateHooks ? "state-hooks" : "kv-only";
  (*result)["health_messages"] = config_.update.health_messages;
  (*result)["health_window_ms"] = config_.update.health_window.count();
  return true;
}

// The new version failed on probation: drop it and run the old one again
// (as it was at the swap: what the new one changed in its state is lost).
void Agent::Impl::roll_back(StageSlot& slot, const std::string& why) {
  carry_counters(slot, *slot.runtime);
  const std::string failed_module = slot.module;
  slot.runtime = std::move(slot.probation->previous);
  slot.module = slot.probation->previous_module;
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
