#include "registry_routes.h"

#include <nlohmann/json.hpp>

#include "api_json.h"
#include "route_helpers.h"
#include "continuum/node/topics.h"
#include "continuum/ota/module_record_json.h"

namespace continuum::adapters::http {

using nlohmann::json;

namespace {

bool is_sha256_hex(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// "1" or "true" switches a flag on; absent or "0"/"false" leaves it off.
bool flag(const httplib::Request& req, const char* name, bool* bad) {
  if (!req.has_param(name)) return false;
  const std::string v = req.get_param_value(name);
  if (v == "1" || v == "true") return true;
  if (v != "0" && v != "false") *bad = true;
  return false;
}

// The record for the path's hash, or an answer (400 / 404) and nullopt.
std::optional<ota::ModuleRecord> find(const RegistrySources& registry, const httplib::Request& req,
                                      httplib::Response& res) {
  const std::string sha = req.matches[1];
  if (!is_sha256_hex(sha)) {
    reply(res, {{"error", "bad module id '" + sha + "': expected 64 lowercase hex digits (the module's SHA-256)"}}, 400);
    return std::nullopt;
  }
  std::optional<ota::ModuleRecord> r = registry.modules->by_hash(sha);
  if (!r) reply(res, {{"error", "no module " + sha + " in the registry"}}, 404);
  return r;
}

}  // namespace

void add_registry_routes(httplib::Server& server, const RegistrySources& registry) {
  server.Get("/api/modules", [registry](const httplib::Request& req, httplib::Response& res) {
    json out = json::array();
    const std::string name = req.has_param("name") ? req.get_param_value("name") : "";
    for (const auto& r : registry.modules->list())
      if (name.empty() || r.name == name) out.push_back(ota::module_record_json<json>(r));
    reply(res, out, 200);
  });
  server.Get(R"(/api/modules/([^/]+))", [registry](const httplib::Request& req, httplib::Response& res) {
    if (auto r = find(registry, req, res)) reply(res, ota::module_record_json<json>(*r), 200);
  });
  server.Get(R"(/api/modules/([^/]+)/wasm)", [registry](const httplib::Request& req, httplib::Response& res) {
    auto r = find(registry, req, res);
    if (!r) return;
    std::string error;
    std::optional<std::string> bytes = registry.modules->read_module(r->sha256, &error);
    if (!bytes) return reply(res, {{"error", "cannot read module " + r->sha256 + ": " + error}}, 500);
    res.status = 200;
    res.set_header("Content-Disposition", "attachment; filename=\"" + r->name + "-" + r->version + ".wasm\"");
    res.set_content(std::move(*bytes), "application/wasm");
  });
  server.Post("/api/modules", [registry](const httplib::Request& req, httplib::Response& res) {
    bool bad = false;
    const bool allow_downgrade = flag(req, "allow_downgrade", &bad);
    if (bad) return reply(res, {{"error", "allow_downgrade: expected 1 or 0"}}, 400);
    ota::IntakeOutcome outcome = registry.admit(req.body, allow_downgrade);
    if (!outcome.ok()) {
      // Not a module at all is a bad request; a module refused for what it
      // is (signature, version) is unprocessable.
      const bool malformed =
          outcome.refusal == ota::IntakeRefusal::kEmpty || outcome.refusal == ota::IntakeRefusal::kMalformed;
      const int status = malformed ? 400 : outcome.refusal == ota::IntakeRefusal::kConflict ? 409 : 422;
      return reply(res, {{"error", outcome.reason}, {"reason", ota::intake_refusal_name(outcome.refusal)}}, status);
    }
    json doc = ota::module_record_json<json>(outcome.added->record);
    doc["added"] = outcome.added->added;
    res.set_header("Location", "/api/modules/" + outcome.added->record.sha256);
    reply(res, doc, outcome.added->added ? 201 : 200);
  });
  server.Post("/api/modules/sign", [registry](const httplib::Request& req, httplib::Response& res) {
    if (!registry.sign)
      return reply(res, {{"error", "this registry has no deployment key to sign with"}, {"reason", "no-signing-key"}}, 503);
    SignRequest request;
    request.name = req.get_param_value("name");
    request.version = req.get_param_value("version");
    for (std::size_t pos = 0, end; pos < req.get_param_value("grants").size(); pos = end + 1) {
      const std::string grants = req.get_param_value("grants");
      end = grants.find(',', pos);
      if (end == std::string::npos) end = grants.size();
      std::string grant = grants.substr(pos, end - pos);
      grant.erase(0, grant.find_first_not_of(' '));
      grant.erase(grant.find_last_not_of(' ') + 1);
      if (!grant.empty()) request.grants.push_back(grant);
    }
    bool bad = false;
    request.allow_downgrade = flag(req, "allow_downgrade", &bad);
    if (bad) return reply(res, {{"error", "allow_downgrade: expected 1 or 0"}}, 400);
    SignOutcome outcome = registry.sign(req.body, request);
    if (!outcome.refusal.empty()) {
      const bool unprocessable = outcome.refusal == "already-signed" || outcome.refusal == "unknown-import";
      const int status = outcome.refusal == "no-signing-key" ? 503 : unprocessable ? 422 : 400;
      return reply(res, {{"error", outcome.message}, {"reason", outcome.refusal}}, status);
    }
    if (!outcome.intake.ok()) {
      const int status = outcome.intake.refusal == ota::IntakeRefusal::kConflict ? 409 : 422;
      return reply(res, {{"error", outcome.intake.reason}, {"reason", ota::intake_refusal_name(outcome.intake.refusal)}},
                   status);
    }
    json doc = ota::module_record_json<json>(outcome.intake.added->record);
    doc["added"] = outcome.intake.added->added;
    doc["signed_by"] = outcome.key_id;
    res.set_header("Location", "/api/modules/" + outcome.intake.added->record.sha256);
    reply(res, doc, outcome.intake.added->added ? 201 : 200);
  });
  server.Post(R"(/api/modules/([^/]+)/offer)", [registry](const httplib::Request& req, httplib::Response& res) {
    const std::string node = req.has_param("node") ? req.get_param_value("node") : "";
    if (!is_topic_level(node))  // a node id
      return reply(res, {{"error", "node: expected ?node=ID (a node id: no '/', '+' or '#')"}}, 400);
    bool bad = false;
    const bool allow_downgrade = flag(req, "allow_downgrade", &bad);
    if (bad) return reply(res, {{"error", "allow_downgrade: expected 1 or 0"}}, 400);
    auto r = find(registry, req, res);
    if (!r) return;
    std::string error;
    std::optional<ota::Offer> offer = registry.offer(node, r->sha256, allow_downgrade, &error);
    if (!offer) return reply(res, {{"error", "cannot offer " + r->sha256 + " to " + node + ": " + error}}, 500);
    reply(res,
          {{"node", node},
           {"sha256", r->sha256},
           {"name", offer->name},
           {"version", offer->version},
           {"transfer", offer->transfer},
           {"attempt", offer->attempt},
           {"chunks", offer->chunk_count()},
           {"chunk_size", offer->chunk_size},
           {"status_topic", node::topics::ota_status(node)}},
          202);
  });
}

}  // namespace continuum::adapters::http
