#include "move_routes.h"

#include <nlohmann/json.hpp>

#include "api_json.h"
#include "route_helpers.h"

namespace continuum::adapters::http {

using nlohmann::json;

namespace {

void reply_error(httplib::Response& res, int status, const std::string& message) {
  reply(res, {{"error", message}}, status);
}

}  // namespace

// {"to": NODE} in the body, ?from=NODE optional (default: the online node
// whose heartbeat runs the stage). Answers when the move is done: 200 with
// the source's result (unavailable_ms ...), or an error with the reason.
void add_move_routes(httplib::Server& server, const HttpApiSources::MoveStage& move, node::FleetModel* fleet) {
  server.Post(R"(/api/stages/([^/]+)/move)", [move, fleet](const httplib::Request& req, httplib::Response& res) {
    const std::string stage = req.matches[1];
    if (!is_topic_level(stage)) return reply_error(res, 400, "stage: expected a stage name (no '/', '+' or '#')");
    json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object() || !body.contains("to") || !body["to"].is_string() ||
        !is_topic_level(body["to"].get<std::string>()))
      return reply_error(res, 400, "expected a JSON object like {\"to\":\"edge-1\"} as the body (the node to move it to)");
    const std::string to = body["to"].get<std::string>();
    if (!fleet) return reply_error(res, 404, "this node keeps no fleet view");
    std::string from = req.has_param("from") ? req.get_param_value("from") : "";
    if (!from.empty()) {
      std::optional<node::NodeView> n = fleet->node(from);
      if (!n || !runs_stage(*n, stage)) return reply_error(res, 404, "node " + from + " runs no stage \"" + stage + "\"");
    } else {
      for (const node::NodeView& n : fleet->nodes())
        if (n.state == "online" && runs_stage(n, stage)) from = n.id;
      if (from.empty()) return reply_error(res, 404, "no online node runs a stage \"" + stage + "\" (see GET /api/stages)");
    }
    std::optional<node::NodeView> target = fleet->node(to);
    if (!target) return reply_error(res, 404, "unknown node \"" + to + "\" (no status or heartbeat seen from it)");
    if (target->state != "online") return reply_error(res, 409, "node " + to + " is " + target->state);
    if (from == to) return reply_error(res, 409, "stage " + stage + " already runs on node " + to);
    std::string error;
    std::optional<std::string> result = move(from, stage, to, &error);
    if (!result) return reply_error(res, error.find("did not answer") != std::string::npos ? 504 : 409, error);
    json doc = json::parse(*result, nullptr, false);
    reply(res, doc.is_discarded() ? json{{"result", *result}} : doc, 200);
  });
}

}  // namespace continuum::adapters::http
