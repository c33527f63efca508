// stage.create (docs/migration.md "Placement", docs/protocol.md): a new stage
// the cloud placed on this node (stage_placement.cc chose the node). It comes
// with its settings and its signed module and starts fresh: ctm_init, no
// snapshot. It gets the same kind of slot as a stage adopted by a move
// (add_adopted_slot), so everything that follows adopted stages (heartbeat,
// moves, snapshots, the records that bring them back after a restart) follows
// placed ones too; it publishes under this node's id.
#include <cstdio>

#include "agent_impl.h"
#include "migration_wire.h"
#include "placement_policy.h"
#include "stage_placement.h"

namespace continuum::node::agent {

using nlohmann::json;

bool Agent::Impl::create_stage(const json& args, json* result, std::string* error) {
  const std::string stage = args["stage"].get<std::string>();
  const std::string from = args.value("from", std::string("?"));
  if (!config_.migration.accept) {
    *error = "node " + config_.id + " does not take stages from elsewhere ([migration] accept = false)";
    return false;
  }
  if (const StageSlot* existing = find_slot(stage)) {
    *error = "node " + config_.id + " already has a stage named " + stage;
    if (existing->placement == StageSlot::Placement::kMovedAway)
      *error += existing->moved_to.empty()
                    ? " (left by a placement that failed here; restart node " + config_.id + " to clear it)"
                    : " (moved to " + existing->moved_to + ")";
    return false;
  }
  std::optional<StageSettings> settings = stage_settings_from_json(args["settings"], error);
  if (!settings) return false;
  if (settings->name != stage) {
    *error = "settings.name \"" + settings->name + "\" is not the stage \"" + stage + "\"";
    return false;
  }
  for (const auto& [port, sources] : settings->inputs)
    for (const SourceSettings& src : sources)
      if (src.node.empty() || src.stage.empty() || src.port.empty()) {
        *error = "settings.inputs." + port + ": every source must be NODE/STAGE/PORT";
        return false;
      }
  if (std::string missing = missing_device(settings->grants, device_grants_served(config_.devices)); !missing.empty()) {
    *error = "stage " + stage + " needs " + missing + " (a grant bound to a local device), which node " + config_.id +
             " has no device for ([[devices]])";
    return false;
  }
  // Checked before the slot exists: what fails later leaves a slot behind.
  host::GrantSet grants;
  std::string why;
  if (!host::GrantSet::parse(settings->grants, &grants, &why)) {
    *error = "settings.grants: " + why;
    return false;
  }
  std::optional<std::string> bytes = base64_decode(args["module"].get<std::string>());
  if (!bytes || bytes->compare(0, 4, std::string_view("\0asm", 4)) != 0) {
    *error = "\"module\": expected the base64 of a .wasm module";
    return false;
  }
  // The same rule as an update: with [trust], signed by a trusted key.
  std::optional<ota::SignedManifest> manifest;
  if (!config_.trust.keys.empty()) {
    ota::VerifyOutcome v = ota::verify_module(*bytes, trust_, *crypto_);
    if (!v.ok()) {
      *error = std::string("signature: ") + ota::verify_status_name(v.status) + ": " + v.detail;
      return false;
    }
    manifest = v.manifest;
  }
  std::optional<StoredModule> stored = modules_.store(stage, *bytes, error);
  if (!stored) return false;
  settings->module = stored->path;

  StageSlot& slot = add_adopted_slot(*settings);
  slot.module = stored->path;
  slot.manifest = manifest;
  slot.publisher = config_.id;
  // Inputs published from now on reach it: the cloud's answer means "it runs
  // and hears its sources".
  if (!inputs_via_ingest_ && !bus_->wait_subscribed(static_cast<int>(config_.migration.timeout.count()))) {
    set_moved_away(slot, "");
    *error = "the broker did not confirm the subscriptions to stage " + stage + "'s inputs";
    return false;
  }
  if (!load_stage(slot, error)) {  // loads and runs ctm_init
    set_moved_away(slot, "");
    {
      std::lock_guard<std::mutex> lock(stats_mutex_);
      slot.stats.state = "failed";
    }
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    slot.placement = StageSlot::Placement::kHere;
  }
  note_version(slot);
  std::string state;
  {
    std::lock_guard<std::mutex> lock(stats_mutex_);
    slot.stats.publisher = slot.publisher;
    if (slot.stats.state == "adopting") slot.stats.state = slot.runtime ? "running" : "backoff";
    state = slot.stats.state;
  }
  remember_adopted(slot, from, "", {});  // brought back after a restart of this node (stage_persistence.cc)
  wake_.notify_one();
  std::fprintf(stderr, "%s/%s: placed here by %s (%s %s), %s\n", config_.id.c_str(), stage.c_str(), from.c_str(),
               manifest ? manifest->name.c_str() : "unsigned module", manifest ? manifest->version.c_str() : "",
               state.c_str());
  *result = {{"stage", stage}, {"node", config_.id}, {"state", state}, {"publisher", slot.publisher}};
  if (manifest) result->update({{"module_name", manifest->name}, {"module_version", manifest->version}});
  return true;
}

// The cloud's side: the placer (stage_placement.cc) over the API's fleet view
// and the registry, asking nodes over this node's command channel.
adapters::HttpApiSources::PlaceStage Agent::Impl::place_stage_route() {
  return [this](const std::string& stage, const std::string& body, int* status) {
    if (!http_ready_.load(std::memory_order_acquire)) {  // between the server's start and open() keeping it
      *status = 503;
      return json{{"error", "the node is still starting; try again"}}.dump();
    }
    PlacementAnswer answer = place_new_stage(
        stage, json::parse(body, nullptr, false), http_->fleet().nodes(), registry_->modules(), config_.id,
        [this](const std::string& node, const std::string& cmd, const json& args, std::string* why) {
          // The node answers once subscribed and started (up to [migration] timeout itself).
          return call_node(node, cmd, args, why, config_.migration.timeout * 2);
        });
    *status = answer.status;
    return answer.body.dump();
  };
}

}  // namespace continuum::node::agent
