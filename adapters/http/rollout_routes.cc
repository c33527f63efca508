#include "rollout_routes.h"

#include <nlohmann/json.hpp>

#include "api_json.h"
#include "route_helpers.h"

namespace continuum::adapters::http {

using nlohmann::json;

namespace {

void reply_error(httplib::Response& res, int status, const std::string& message) {
  reply(res, {{"error", message}}, status);
}

// What a deploy or rollback asks for, from a JSON body
// ({"sha256","nodes":[...],"allow_downgrade"}) or, without a body, from the
// query (?sha256=...&node=a&node=b). nullopt: answered 400.
struct RolloutRequest {
  std::string sha256;
  std::vector<std::string> nodes;
  bool allow_downgrade = false;
};

std::optional<RolloutRequest> read_request(const httplib::Request& req, httplib::Response& res) {
  RolloutRequest r;
  if (!req.body.empty()) {
    json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object()) {
      reply_error(res, 400, "expected a JSON object like {\"sha256\":\"...\",\"nodes\":[\"edge-1\"]} as the body");
      return std::nullopt;
    }
    if (body.contains("sha256")) {
      if (!body["sha256"].is_string()) {
        reply_error(res, 400, "sha256: expected a string (the module's 64 hex digits)");
        return std::nullopt;
      }
      r.sha256 = body["sha256"].get<std::string>();
    }
    if (body.contains("nodes")) {
      if (!body["nodes"].is_array()) {
        reply_error(res, 400, "nodes: expected an array of node ids");
        return std::nullopt;
      }
      for (const json& n : body["nodes"]) {
        if (!n.is_string()) {
          reply_error(res, 400, "nodes: expected an array of node ids (strings)");
          return std::nullopt;
        }
        r.nodes.push_back(n.get<std::string>());
      }
    }
    if (body.contains("node")) {  // one node: {"node":"edge-1"} (the dashboard's form)
      if (!body["node"].is_string()) {
        reply_error(res, 400, "node: expected a node id (a string)");
        return std::nullopt;
      }
      r.nodes.push_back(body["node"].get<std::string>());
    }
    if (body.contains("allow_downgrade")) {
      if (!body["allow_downgrade"].is_boolean()) {
        reply_error(res, 400, "allow_downgrade: expected true or false");
        return std::nullopt;
      }
      r.allow_downgrade = body["allow_downgrade"].get<bool>();
    }
  } else {
    if (req.has_param("sha256")) r.sha256 = req.get_param_value("sha256");
    for (std::size_t i = 0; i < req.get_param_value_count("node"); ++i) r.nodes.push_back(req.get_param_value("node", i));
    const std::string flag = req.has_param("allow_downgrade") ? req.get_param_value("allow_downgrade") : "0";
    if (flag != "0" && flag != "1" && flag != "true" && flag != "false") {
      reply_error(res, 400, "allow_downgrade: expected 1 or 0");
      return std::nullopt;
    }
    r.allow_downgrade = flag == "1" || flag == "true";
  }
  for (const std::string& n : r.nodes) {
    if (!is_topic_level(n)) {
      reply_error(res, 400, "nodes: \"" + n + "\" is not a node id (no '/', '+' or '#')");
      return std::nullopt;
    }
  }
  return r;
}

// The nodes a rollout of STAGE goes to: the ones asked for (each must run
// the stage), or every online node running it (offline ones are listed in
// *skipped: an offer would wait on the broker for them). nullopt: answered.
std::optional<std::vector<std::string>> pick_targets(node::FleetModel& fleet, const std::string& stage,
                                                     const std::vector<std::string>& asked, json* skipped,
                                                     httplib::Response& res) {
  auto runs = [&stage](const node::NodeView& n) {
    for (const node::StageView& s : n.stages)
      if (s.name == stage && s.state != "moved") return true;  // "moved": it runs elsewhere now
    return false;
  };
  std::vector<std::string> targets;
  if (!asked.empty()) {
    for (const std::string& id : asked) {
      std::optional<node::NodeView> n = fleet.node(id);
      if (!n) {
        reply_error(res, 404, "unknown node \"" + id + "\" (no status or heartbeat seen from it)");
        return std::nullopt;
      }
      if (!runs(*n)) {
        reply_error(res, 404, "node " + id + " runs no stage \"" + stage + "\"");
        return std::nullopt;
      }
      targets.push_back(id);
    }
    return targets;
  }
  for (const node::NodeView& n : fleet.nodes()) {
    if (!runs(n)) continue;
    if (n.state == "online") targets.push_back(n.id);
    else skipped->push_back({{"node", n.id}, {"state", n.state}});
  }
  if (targets.empty()) {
    reply_error(res, 404,
                skipped->empty() ? "no node runs a stage \"" + stage + "\" (see GET /api/stages)"
                                 : "every node running stage \"" + stage + "\" is offline");
    return std::nullopt;
  }
  return targets;
}

void answer(httplib::Response& res, const std::optional<std::string>& rollout, const json& skipped,
            const std::string& error) {
  if (!rollout) return reply_error(res, error.find("no module") == 0 ? 404 : 500, error);
  json doc = json::parse(*rollout, nullptr, false);
  doc["skipped"] = skipped;
  res.set_header("Location", "/api/rollouts/" + doc.value("id", std::string()));
  reply(res, doc, 202);
}

}  // namespace

void add_rollout_routes(httplib::Server& server, const RegistrySources& registry, node::FleetModel* fleet) {
  server.Post(R"(/api/stages/([^/]+)/deploy)", [registry, fleet](const httplib::Request& req, httplib::Response& res) {
    const std::string stage = req.matches[1];
    if (!is_topic_level(stage)) return reply_error(res, 400, "bad stage name \"" + stage + "\"");
    std::optional<RolloutRequest> r = read_request(req, res);
    if (!r) return;
    if (r->sha256.size() != 64 || r->sha256.find_first_not_of("0123456789abcdef") != std::string::npos)
      return reply_error(res, 400, "sha256: expected the registered module's SHA-256 (64 lowercase hex digits), got \"" +
                                       r->sha256 + "\"");
    if (!fleet) return reply_error(res, 404, "this node keeps no fleet view");
    json skipped = json::array();
    std::optional<std::vector<std::string>> targets = pick_targets(*fleet, stage, r->nodes, &skipped, res);
    if (!targets) return;
    std::string error;
    answer(res, registry.deploy(stage, r->sha256, *targets, r->allow_downgrade, &error), skipped, error);
  });
  server.Post(R"(/api/stages/([^/]+)/rollback)", [registry, fleet](const httplib::Request& req, httplib::Response& res) {
    const std::string stage = req.matches[1];
    if (!is_topic_level(stage)) return reply_error(res, 400, "bad stage name \"" + stage + "\"");
    std::optional<RolloutRequest> r = read_request(req, res);
    if (!r) return;
    if (!fleet) return reply_error(res, 404, "this node keeps no fleet view");
    json skipped = json::array();
    std::optional<std::vector<std::string>> targets = pick_targets(*fleet, stage, r->nodes, &skipped, res);
    if (!targets) return;
    std::string error;
    answer(res, registry.rollback(stage, *targets, &error), skipped, error);
  });
  server.Get("/api/rollouts", [registry](const httplib::Request&, httplib::Response& res) {
    res.status = 200;
    res.set_content(registry.rollouts() + "\n", kJsonContentType);
  });
  server.Get(R"(/api/rollouts/([^/]+))", [registry](const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
    std::optional<std::string> r = registry.rollout(id);
    if (!r) return reply_error(res, 404, "no rollout \"" + id + "\" (this node keeps the last 64)");
    res.status = 200;
    res.set_content(*r + "\n", kJsonContentType);
  });
}

}  // namespace continuum::adapters::http
