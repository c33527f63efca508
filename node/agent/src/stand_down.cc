// stage.stand_down (docs/migration.md "Placement: a node comes back"): this
// node was offline, the placement service restarted one of its stages on
// another node from its last snapshot, and now that this node is back it
// runs its configured copy again. That copy stops and the slot is kept as
// moved to the node that runs the stage (as after stage.migrate): two copies
// would publish under the same publisher identity.
#include <cstdio>

#include "agent_impl.h"

namespace continuum::node::agent {

bool Agent::Impl::stand_down_stage(const std::string& stage, const std::string& runs_on, nlohmann::json* result,
                                   std::string* error) {
  StageSlot& slot = *find_slot(stage);
  if (runs_on.empty() || runs_on == config_.id || runs_on.find_first_of("/+#") != std::string::npos) {
    *error = "\"runs_on\": expected the id of the node that runs stage " + stage + " now, got \"" + runs_on + "\"";
    return false;
  }
  if (slot.placement == StageSlot::Placement::kAdopting) {
    *error = "stage " + stage + " is being moved to this node; it does not stand down in the middle of a move";
    return false;
  }
  if (slot.placement == StageSlot::Placement::kHere) {
    if (slot.runtime) carry_counters(slot, *slot.runtime);
    set_moved_away(slot, runs_on);
    if (config_.migration.snapshot_every.count() > 0) {
      int token = 0;  // this node's snapshot of it is not the stage's any more
      bus_->publish(topics::stage_snapshot(config_.id, stage), "", 1, true, &token);
    }
    std::fprintf(stderr, "%s/%s: stood down: the stage runs on %s now (restarted there while this node was away)\n",
                 config_.id.c_str(), stage.c_str(), runs_on.c_str());
  }
  *result = {{"stage", stage}, {"state", "moved"}, {"moved_to", slot.moved_to}};
  return true;
}

}  // namespace continuum::node::agent
