// stage.route: rewires one input port of a stage to other upstream outputs
// while the node runs (docs/protocol.md, "stage.route"; the dashboard's
// "Change route"). The change lives in the running agent only: at the next
// start the config file's `inputs` apply again.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "agent_impl.h"

namespace continuum::node::agent {

using nlohmann::json;

// The settings a slot refers to, as the agent owns them (the config's stages
// or a stage adopted by a move), so the route can be changed in place.
StageSettings& Agent::Impl::owned_settings(const StageSlot& slot) {
  for (StageSettings& s : config_.stages)
    if (&s == &slot.settings) return s;
  for (StageSettings& s : adopted_settings_)
    if (&s == &slot.settings) return s;
  // Every slot is made from one of the two; anything else is a wiring bug.
  std::fprintf(stderr, "%s: stage %s has settings the agent does not own\n", config_.id.c_str(),
               slot.settings.name.c_str());
  std::abort();
}

bool Agent::Impl::route_stage(const std::string& stage, const std::string& input,
                              const std::vector<std::string>& texts, json* result, std::string* error) {
  StageSlot* slot = find_slot(stage);
  if (!slot) {
    *error = "no stage \"" + stage + "\" on node " + config_.id;
    return false;
  }
  if (slot->placement != StageSlot::Placement::kHere) {
    *error = "stage \"" + stage + "\" does not run here " +
             (slot->moved_to.empty() ? std::string("(it is being moved here)") : "(it moved to " + slot->moved_to + ")") +
             "; route it on the node that runs it";
    return false;
  }
  StageSettings& settings = owned_settings(*slot);
  if (!settings.inputs.count(input)) {
    std::string ports;
    for (const auto& [port, sources] : settings.inputs) ports += (ports.empty() ? "" : ", ") + port;
    *error = "stage \"" + stage + "\" has no input port \"" + input + "\" (its inputs: " +
             (ports.empty() ? "none" : ports) + ")";
    return false;
  }
  // An empty list is refused: a stage whose input has no source starves
  // silently; stage.stop is the way to pause it.
  if (texts.empty()) {
    *error = "\"sources\" is empty: an input needs at least one source (stage.stop pauses a stage)";
    return false;
  }
  std::vector<SourceSettings> sources;
  std::set<std::string> seen;
  for (const std::string& text : texts) {
    SourceSettings source;
    if (!parse_source(text, &source)) {
      *error = "source \"" + text + "\" is malformed: expected \"<stage>.<port>\" (this node) or "
               "\"<node>/<stage>/<port>\" (another node)";
      return false;
    }
    if (!source.remote && !find_slot(source.stage)) {
      *error = "source \"" + text + "\": no stage \"" + source.stage + "\" on node " + config_.id +
               " (remote sources are \"<node>/<stage>/<port>\")";
      return false;
    }
    if (!seen.insert(text).second) {
      *error = "source \"" + text + "\" is listed twice";
      return false;
    }
    sources.push_back(std::move(source));
  }

  // Rewire under the lock the bus thread reads the routes with. A topic is
  // subscribed when its first receiver appears and dropped with its last.
  std::size_t index = 0;
  while (slots_[index].get() != slot) ++index;
  const std::pair<std::size_t, std::string> receiver{index, input};
  std::vector<std::string> subscribe, unsubscribe;
  {
    std::unique_lock<std::shared_mutex> wiring(wiring_mutex_);
    for (const SourceSettings& old : settings.inputs[input]) {
      if (!old.remote) {
        auto& receivers = local_routes_[{old.stage, old.port}];
        std::erase(receivers, receiver);
        if (receivers.empty()) local_routes_.erase({old.stage, old.port});
        continue;
      }
      const std::string topic = topics::data(old.node, old.stage, old.port);
      auto& receivers = remote_routes_[topic];
      std::erase(receivers, receiver);
      if (receivers.empty()) {
        remote_routes_.erase(topic);
        unsubscribe.push_back(topic);
      }
    }
    for (const SourceSettings& src : sources) {
      if (!src.remote) {
        local_routes_[{src.stage, src.port}].push_back(receiver);
        continue;
      }
      const std::string topic = topics::data(src.node, src.stage, src.port);
      auto& receivers = remote_routes_[topic];
      if (receivers.empty()) {
        auto kept = std::find(unsubscribe.begin(), unsubscribe.end(), topic);
        if (kept != unsubscribe.end()) unsubscribe.erase(kept);  // dropped and taken again: stays subscribed
        else subscribe.push_back(topic);
      }
      receivers.push_back(receiver);
    }
    settings.inputs[input] = sources;
  }
  // Inputs queued from a publisher no longer feeding this port are dropped:
  // after the answer, only the new sources reach the stage. The per-publisher
  // duplicate marks (last_handled) are kept: seq only grows, so an old copy
  // of a source taken again later is still recognised.
  std::set<std::string> publishers;
  for (const SourceSettings& src : sources)
    publishers.insert((src.remote ? src.node : find_slot(src.stage)->publisher) + "/" + src.stage);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::erase_if(slot->queue, [&](const Delivery& d) {
      return d.port == input && !d.source.empty() && !publishers.count(d.source);
    });
  }
  // Plain ingest already brings every data topic (see open()).
  if (bus_ && !inputs_via_ingest_) {
    for (const std::string& topic : unsubscribe) bus_->unsubscribe(topic);
    for (const std::string& topic : subscribe) bus_->subscribe_tagged(topic, 1, kInputSubscription);
    if (!subscribe.empty() && !bus_->wait_subscribed(static_cast<int>(config_.migration.timeout.count()))) {
      *error = "rewired, but the broker did not acknowledge the new subscriptions in time (they are renewed on "
               "reconnect)";
      return false;
    }
  }
  std::fprintf(stderr, "%s: stage %s input %s now from %zu source(s) (%zu subscribed, %zu dropped)\n",
               config_.id.c_str(), stage.c_str(), input.c_str(), sources.size(), subscribe.size(),
               unsubscribe.size());
  json inputs = json::object();
  for (const auto& [port, list] : settings.inputs) {
    json texts_json = json::array();
    for (const SourceSettings& s : list) texts_json.push_back(s.text);
    inputs[port] = texts_json;
  }
  *result = {{"stage", stage},         {"input", input},           {"sources", texts},
             {"inputs", inputs},       {"subscribed", subscribe},  {"unsubscribed", unsubscribe}};
  return true;
}

}  // namespace continuum::node::agent
