#include "route_change_routes.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "route_helpers.h"

namespace continuum::adapters::http {

using nlohmann::json;

namespace {

// The body's shape, or why it is not one: the node checks the rest (the
// input port exists, each source is "stage.port" or "node/stage/port").
std::string body_problem(const json& body) {
  const char* expected =
      "expected a JSON object like {\"node\":\"fog-1\",\"input\":\"readings\",\"sources\":"
      "[\"edge-soil-2/control/readings\"]} as the body";
  if (!body.is_object()) return expected;
  for (const char* key : {"node", "input"})
    if (!body.contains(key) || !body[key].is_string() || !is_topic_level(body[key].get<std::string>()))
      return std::string(expected) + " (\"" + key + "\": a name without '/', '+' or '#')";
  const auto sources = body.find("sources");
  if (sources == body.end() || !sources->is_array() ||
      !std::all_of(sources->begin(), sources->end(), [](const json& s) { return s.is_string(); }))
    return std::string(expected) + " (\"sources\": an array of strings)";
  if (sources->empty()) return "\"sources\" is empty: an input needs at least one source";
  for (auto it = body.begin(); it != body.end(); ++it)
    if (it.key() != "node" && it.key() != "input" && it.key() != "sources")
      return std::string(expected) + " (unknown member \"" + it.key() + "\")";
  return {};
}

}  // namespace

// Answers when the node has rewired (and subscribed): 200 with its result
// ({"stage","input","sources","inputs",...}), or an error with the reason.
void add_route_change_routes(httplib::Server& server, const HttpApiSources::RouteStage& route,
                             node::FleetModel* fleet) {
  server.Post(R"(/api/stages/([^/]+)/route)", [route, fleet](const httplib::Request& req, httplib::Response& res) {
    const std::string stage = req.matches[1];
    if (!is_topic_level(stage))
      return reply(res, {{"error", "stage: expected a stage name (no '/', '+' or '#')"}}, 400);
    json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (std::string problem = body_problem(body); !problem.empty()) return reply(res, {{"error", problem}}, 400);
    const std::string node = body["node"].get<std::string>();
    if (!fleet) return reply(res, {{"error", "this node keeps no fleet view"}}, 404);
    std::optional<node::NodeView> n = fleet->node(node);
    if (!n) return reply(res, {{"error", "unknown node \"" + node + "\" (no status or heartbeat seen from it)"}}, 404);
    if (n->state != "online") return reply(res, {{"error", "node " + node + " is " + n->state}}, 409);
    if (!runs_stage(*n, stage))
      return reply(res, {{"error", "node " + node + " runs no stage \"" + stage + "\" (see GET /api/stages)"}}, 404);
    std::string error;
    std::optional<std::string> result =
        route(node, stage, body["input"].get<std::string>(), body["sources"].get<std::vector<std::string>>(), &error);
    // A refusal is about the request (unknown port, malformed source): 400.
    if (!result) return reply(res, {{"error", error}}, error.find("did not answer") != std::string::npos ? 504 : 400);
    json doc = json::parse(*result, nullptr, false);
    reply(res, doc.is_discarded() ? json{{"result", *result}} : doc, 200);
  });
}

}  // namespace continuum::adapters::http
