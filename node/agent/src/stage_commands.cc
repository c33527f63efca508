// Agent::Impl's stage commands (the CommandTarget side of commands.h):
// stage.stop/start/restart and the loop's pass over received requests.
#include <cstdio>
#include <deque>
#include <mutex>
#include <shared_mutex>

#include "agent_impl.h"

namespace continuum::node::agent {

using std::chrono::milliseconds;

// Requests received since the last pass; each reply goes out at QoS 1 (not
// through the outbox: a reply nobody is waiting for any more is worthless).
void Agent::Impl::run_commands() {
  std::deque<std::string> requests;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    requests.swap(pending_commands_);
  }
  for (const std::string& request : requests) {
    std::optional<CommandProcessor::Reply> reply = commands_->handle(request);
    if (!reply) continue;
    int token = 0;
    Status sent = bus_->publish(reply->topic, reply->payload, 1, false, &token);
    if (!sent)
      std::fprintf(stderr, "%s: cannot publish a command reply on %s: %s\n", config_.id.c_str(), reply->topic.c_str(),
                   sent.message.c_str());
    run_after_reply();  // what the command left to write (stage_persistence.cc)
  }
  run_after_reply();  // also after a request that got no reply
}

StageSlot* Agent::Impl::find_slot(std::string_view stage) const {
  std::shared_lock<std::shared_mutex> wiring(wiring_mutex_);  // the bus thread looks stages up too
  for (const auto& slot : slots_)
    if (slot->settings.name == stage) return slot.get();
  return nullptr;
}

std::vector<std::string> Agent::Impl::stage_names() const {
  std::vector<std::string> names;
  for (const auto& slot : slots_) names.push_back(slot->settings.name);
  return names;
}

nlohmann::json Agent::Impl::stage_state(StageSlot& slot) {
  std::lock_guard<std::mutex> lock(stats_mutex_);
  return {{"stage", slot.settings.name}, {"state", slot.stats.state}, {"restarts", slot.stats.restarts}};
}

bool Agent::Impl::stop_stage(const std::string& stage, nlohmann::json* result, std::string*) {
  StageSlot& slot = *find_slot(stage);
  slot.stopped = true;
  unload_stage(slot);
  {
    std::lock_guard<std::mutex> lock(stats_mutex_);
    slot.stats.state = "stopped";
    slot.stats.fuel_used = slot.carried_fuel;
  }
  *result = stage_state(slot);
  return true;
}

// stage.start and stage.restart: load the stage now rather than at the
// supervisor's next turn, so the reply can say whether it came up.
bool Agent::Impl::load_on_command(StageSlot& slot, const std::string& stage, nlohmann::json* result,
                                  std::string* error) {
  std::string why;
  if (!load_stage(slot, &why)) {
    fail_stage(slot, kInitFailed, why);
    *error = why + " (the supervisor keeps retrying)";
    return false;
  }
  if (!slot.runtime) {
    *error = "stage " + stage + " failed in ctm_init; the supervisor restarts it with backoff";
    return false;
  }
  *result = stage_state(slot);
  return true;
}

bool Agent::Impl::start_stage(const std::string& stage, nlohmann::json* result, std::string* error) {
  StageSlot& slot = *find_slot(stage);
  if (!slot.stopped) {  // already running (or restarting by itself): nothing to do
    *result = stage_state(slot);
    return true;
  }
  slot.stopped = false;
  slot.backoff = milliseconds(0);  // a fresh start, not a failure streak
  return load_on_command(slot, stage, result, error);
}

bool Agent::Impl::restart_stage(const std::string& stage, nlohmann::json* result, std::string* error) {
  StageSlot& slot = *find_slot(stage);
  unload_stage(slot);
  slot.stopped = false;
  slot.backoff = milliseconds(0);
  {
    std::lock_guard<std::mutex> lock(stats_mutex_);
    ++slot.stats.restarts;
  }
  return load_on_command(slot, stage, result, error);
}

}  // namespace continuum::node::agent
