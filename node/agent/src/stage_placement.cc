#include "stage_placement.h"

#include <algorithm>
#include <cstdio>

#include "continuum/node/agent/config.h"
#include "migration_wire.h"
#include "placement_policy.h"

namespace continuum::node::agent {

using nlohmann::json;

namespace {

PlacementAnswer refuse(int status, const std::string& message, json extra = json::object()) {
  extra["error"] = message;
  return {status, std::move(extra)};
}

json left_out_json(const PlacementRanking& ranking) {
  json out = json::array();
  for (const LeftOut& l : ranking.left_out) out.push_back({{"node", l.node}, {"reason", l.reason}});
  return out;
}

bool string_array(const json& v) {
  return v.is_array() && std::all_of(v.begin(), v.end(), [](const json& x) { return x.is_string(); });
}

// The stage's settings (stage.adopt's "settings" shape) from the request;
// nullopt and *error (a 400) when a member is wrong. GRANTS default to what
// the module requires.
std::optional<json> settings_from_request(const std::string& stage, const json& r,
                                          const std::vector<std::string>& required_grants, std::string* error) {
  static const char* const kKnown[] = {"sha256", "to",   "tier",  "tier_required", "memory_bytes", "grants", "inputs",
                                       "publish", "config", "tick_ms", "fuel", "queue", "limits"};
  for (auto it = r.begin(); it != r.end(); ++it)
    if (std::find_if(std::begin(kKnown), std::end(kKnown), [&](const char* k) { return it.key() == k; }) ==
        std::end(kKnown)) {
      *error = "unknown member \"" + it.key() +
               "\" (expected sha256, to, tier, tier_required, memory_bytes, grants, inputs, publish, config, tick_ms, "
               "fuel, queue, limits)";
      return std::nullopt;
    }
  json s = {{"name", stage}};
  s["grants"] = r.contains("grants") ? r["grants"] : json(required_grants);
  if (!string_array(s["grants"])) {
    *error = "grants: expected an array of grants like [\"sensor:soil-1\", \"emit:out\"]";
    return std::nullopt;
  }
  for (const json& g : s["grants"]) {
    std::string why;
    if (!ota::valid_grant(g.get<std::string>(), &why)) {
      *error = "grants: " + why;
      return std::nullopt;
    }
  }
  json inputs = json::object();
  if (r.contains("inputs")) {
    if (!r["inputs"].is_object()) {
      *error = "inputs: expected an object: input port -> \"NODE/STAGE/PORT\" (or an array of them)";
      return std::nullopt;
    }
    for (auto it = r["inputs"].begin(); it != r["inputs"].end(); ++it) {
      json sources = it.value().is_string() ? json::array({it.value()}) : it.value();
      if (!string_array(sources) || sources.empty()) {
        *error = "inputs." + it.key() + ": expected \"NODE/STAGE/PORT\" or an array of them";
        return std::nullopt;
      }
      for (const json& text : sources) {
        SourceSettings src;
        if (!parse_source(text.get<std::string>(), &src) || !src.remote) {
          *error = "inputs." + it.key() + ": \"" + text.get<std::string>() +
                   "\" is not NODE/STAGE/PORT (a placed stage hears other stages over MQTT)";
          return std::nullopt;
        }
        inputs[it.key()].push_back({{"node", src.node}, {"stage", src.stage}, {"port", src.port}});
      }
    }
  }
  s["inputs"] = inputs;
  if (r.contains("publish")) {
    if (!string_array(r["publish"])) {
      *error = "publish: expected an array of output ports ([\"*\"]: all, []: none)";
      return std::nullopt;
    }
    const bool all = std::find(r["publish"].begin(), r["publish"].end(), json("*")) != r["publish"].end();
    s["publish_all"] = all;
    s["publish"] = all ? json::array() : r["publish"];
  }
  if (r.contains("config")) {
    if (!r["config"].is_object()) {
      *error = "config: expected an object of key -> value";
      return std::nullopt;
    }
    json config = json::object();
    for (auto it = r["config"].begin(); it != r["config"].end(); ++it)
      config[it.key()] = it.value().is_string() ? it.value().get<std::string>() : it.value().dump();
    s["config"] = config;
  }
  for (const char* key : {"memory_bytes", "tick_ms", "fuel", "queue", "limits"})
    if (r.contains(key)) s[key] = r[key];
  // The node parses the same; a bad member is refused here, before any node is asked.
  if (!stage_settings_from_json(s, error)) return std::nullopt;
  return s;
}

bool runs_somewhere(const std::vector<NodeView>& fleet, const std::string& stage, std::string* where) {
  for (const NodeView& n : fleet)
    if (n.state == "online" && runs_stage(n, stage)) {
      *where = n.id;
      return true;
    }
  return false;
}

}  // namespace

PlacementAnswer place_new_stage(const std::string& stage, const json& request, const std::vector<NodeView>& fleet,
                                ota::ModuleRegistry& registry, const std::string& self, const CallNodeFn& call) {
  if (!request.is_object())
    return refuse(400, "expected a JSON object like {\"sha256\":\"...\",\"tier\":\"edge\",\"grants\":[...]} as the body");
  if (!request.contains("sha256") || !request["sha256"].is_string())
    return refuse(400, "sha256: expected the registered module's SHA-256 (64 hex digits; POST /api/modules first)");
  for (const char* key : {"to", "tier"})
    if (request.contains(key) && !request[key].is_string())
      return refuse(400, std::string(key) + ": expected a string");
  if (request.contains("tier_required") && !request["tier_required"].is_boolean())
    return refuse(400, "tier_required: expected true or false");
  const std::string sha256 = request["sha256"].get<std::string>();
  std::optional<ota::ModuleRecord> record = registry.by_hash(sha256);
  if (!record) return refuse(404, "no module " + sha256 + " in the registry (upload it first: POST /api/modules)");
  std::string error;
  std::optional<json> settings = settings_from_request(stage, request, record->required_grants, &error);
  if (!settings) return refuse(400, error);
  if (std::string where; runs_somewhere(fleet, stage, &where))
    return refuse(409, "stage " + stage + " already runs on node " + where +
                           ": to update it, deploy without the options of a new stage (--new, --tier, --grant, "
                           "--input, ...; POST /api/stages/" + stage + "/deploy); to move it: continuum move " +
                           stage + " --to NODE");

  std::optional<std::string> bytes = registry.read_module(sha256, &error);
  if (!bytes) return refuse(500, "cannot read module " + sha256 + " from the registry: " + error);
  // What the module itself needs: its linear memory's initial size must fit the
  // stage's memory_bytes, or no node could load it.
  const uint64_t memory_bytes = stage_settings_from_json(*settings, &error)->memory_bytes;
  std::optional<ota::ModuleInfo> info = ota::describe_module(*bytes, &error);
  if (!info) return refuse(500, "module " + sha256 + " in the registry: " + error);
  if (info->memory_min_bytes > memory_bytes)
    return refuse(400, "memory_bytes " + std::to_string(memory_bytes) + " is less than module " + record->name +
                           "'s initial linear memory (" + std::to_string(info->memory_min_bytes) +
                           " bytes): give the stage more (--memory)");

  StageNeeds needs;
  needs.stage = stage;
  needs.tier = request.value("tier", std::string());
  needs.tier_required = request.value("tier_required", false);
  needs.grants = (*settings)["grants"].get<std::vector<std::string>>();
  needs.memory_bytes = memory_bytes;
  PlacementRanking ranking = rank_nodes(fleet, needs, self);
  std::vector<std::string> order;
  const std::string to = request.value("to", std::string());
  if (!to.empty()) {
    if (std::none_of(fleet.begin(), fleet.end(), [&](const NodeView& n) { return n.id == to; }))
      return refuse(404, "unknown node \"" + to + "\" (no status or heartbeat seen from it)");
    if (std::optional<std::string> why = ranking.reason_for(to))
      return refuse(409, "node " + to + " cannot run stage " + stage + ": " + *why, {{"left_out", left_out_json(ranking)}});
    order.push_back(to);
  } else {
    for (const NodeView& n : ranking.candidates) order.push_back(n.id);
    if (order.empty())
      return refuse(409,
                    "no node can run stage " + stage + ": " +
                        (ranking.left_out.empty() ? std::string("no node is known yet") : ranking.reasons()),
                    {{"left_out", left_out_json(ranking)}});
  }
  const json args = {{"stage", stage}, {"settings", *settings}, {"module", base64_encode(*bytes)}, {"from", self}};
  json tried = json::array();
  for (const std::string& node : order) {
    std::fprintf(stderr, "%s: placement: stage %s (%s %s) -> node %s\n", self.c_str(), stage.c_str(),
                 record->name.c_str(), record->version.c_str(), node.c_str());
    std::string why;
    std::optional<json> created = call(node, "stage.create", args, &why);
    if (created) {
      json body = {{"stage", stage},
                   {"node", node},
                   {"state", created->value("state", std::string("running"))},
                   {"module", {{"name", record->name}, {"version", record->version}, {"sha256", sha256}}},
                   {"settings", *settings},
                   {"candidates", order},
                   {"left_out", left_out_json(ranking)},
                   {"tried", tried}};
      return {201, body};
    }
    std::fprintf(stderr, "%s: placement: stage %s not placed on %s: %s\n", self.c_str(), stage.c_str(), node.c_str(),
                 why.c_str());
    tried.push_back({{"node", node}, {"error", why}});
    // No answer is not a refusal: the node may still create the stage (its
    // loop can be busy behind a move), and asking the next one could start
    // it twice. Stop and say how to find out.
    if (why.find(" did not answer ") != std::string::npos)
      return refuse(504,
                    why + "; it may still start stage " + stage + ": check `continuum ls` before placing it again",
                    {{"left_out", left_out_json(ranking)}, {"tried", tried}});
  }
  std::string reasons;
  for (const json& t : tried) reasons += (reasons.empty() ? "" : "; ") + t["error"].get<std::string>();
  return refuse(409, "no node took stage " + stage + ": " + reasons,
                {{"left_out", left_out_json(ranking)}, {"tried", tried}});
}

}  // namespace continuum::node::agent
