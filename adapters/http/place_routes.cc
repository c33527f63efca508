#include "place_routes.h"

#include <nlohmann/json.hpp>

#include "api_json.h"
#include "route_helpers.h"

namespace continuum::adapters::http {

using nlohmann::json;

// The body is the placement request; the node's placer checks it, chooses
// and answers (201 placed, 400, 404, 409 with every node's reason). The
// answer comes once the chosen node runs the stage.
void add_place_routes(httplib::Server& server, const HttpApiSources::PlaceStage& place) {
  server.Post(R"(/api/stages/([^/]+)/place)", [place](const httplib::Request& req, httplib::Response& res) {
    const std::string stage = req.matches[1];
    if (!is_topic_level(stage)) return reply(res, {{"error", "stage: expected a stage name (no '/', '+' or '#')"}}, 400);
    json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object())
      return reply(res, {{"error", "expected a JSON object like {\"sha256\":\"...\",\"tier\":\"edge\"} as the body"}}, 400);
    int status = 500;
    json answer = json::parse(place(stage, body.dump(), &status), nullptr, false);
    reply(res, answer.is_discarded() ? json{{"error", "the placer's answer is not JSON"}} : answer, status);
  });
}

}  // namespace continuum::adapters::http
