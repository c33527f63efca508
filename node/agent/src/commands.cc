#include "commands.h"

#include <algorithm>
#include <cstdio>

#include "continuum/node/topics.h"

namespace continuum::node::agent {

using nlohmann::json;

namespace {

bool ping(CommandTarget&, const json&, json* result, std::string*) {
  *result = {{"pong", true}};
  return true;
}

bool help(CommandTarget&, const json&, json* result, std::string*);

bool stats(CommandTarget& target, const json&, json* result, std::string*) {
  *result = target.stats_report();
  return true;
}

bool stage_stop(CommandTarget& target, const json& args, json* result, std::string* error) {
  return target.stop_stage(args["stage"].get<std::string>(), result, error);
}

bool stage_start(CommandTarget& target, const json& args, json* result, std::string* error) {
  return target.start_stage(args["stage"].get<std::string>(), result, error);
}

bool stage_update(CommandTarget& target, const json& args, json* result, std::string* error) {
  return target.update_stage(args["stage"].get<std::string>(), args["module"].get<std::string>(),
                             args.value("allow_downgrade", false), result, error);
}

bool stage_rollback(CommandTarget& target, const json& args, json* result, std::string* error) {
  return target.rollback_stage(args["stage"].get<std::string>(), result, error);
}

bool stage_restart(CommandTarget& target, const json& args, json* result, std::string* error) {
  return target.restart_stage(args["stage"].get<std::string>(), result, error);
}

bool stage_migrate(CommandTarget& target, const json& args, json* result, std::string* error) {
  return target.migrate_stage(args["stage"].get<std::string>(), args["to"].get<std::string>(), result, error);
}

bool stage_adopt(CommandTarget& target, const json& args, json* result, std::string* error) {
  return target.adopt_stage(args, result, error);
}

bool stage_route(CommandTarget& target, const json& args, json* result, std::string* error) {
  return target.route_stage(args["stage"].get<std::string>(), args["input"].get<std::string>(),
                            args["sources"].get<std::vector<std::string>>(), result, error);
}

bool stage_stand_down(CommandTarget& target, const json& args, json* result, std::string* error) {
  return target.stand_down_stage(args["stage"].get<std::string>(), args["runs_on"].get<std::string>(), result, error);
}

bool stage_create(CommandTarget& target, const json& args, json* result, std::string* error) {
  return target.create_stage(args, result, error);
}

const char* type_name(ArgType type) {
  switch (type) {
    case ArgType::kString: return "string";
    case ArgType::kStage: return "stage name";
    case ArgType::kInteger: return "integer";
    case ArgType::kBool: return "boolean";
    case ArgType::kObject: return "object";
    case ArgType::kStrings: return "array of strings";
  }
  return "?";
}

bool has_type(const json& value, ArgType type) {
  switch (type) {
    case ArgType::kString:
    case ArgType::kStage: return value.is_string();
    case ArgType::kInteger: return value.is_number_integer();
    case ArgType::kBool: return value.is_boolean();
    case ArgType::kObject: return value.is_object();
    case ArgType::kStrings:
      return value.is_array() && std::all_of(value.begin(), value.end(), [](const json& v) { return v.is_string(); });
  }
  return false;
}

bool help(CommandTarget&, const json&, json* result, std::string*) {
  json commands = json::array();
  for (const CommandSpec& c : command_table()) {
    json args = json::object();
    for (const ArgSpec& a : c.args)
      args[a.name] = std::string(type_name(a.type)) + (a.required ? ", required" : ", optional");
    commands.push_back({{"name", c.name}, {"args", args}, {"help", c.help}});
  }
  *result = {{"commands", commands}};
  return true;
}

// A topic a reply can be published on: non-empty, no wildcards.
bool valid_topic(const std::string& topic) {
  return !topic.empty() && topic.find_first_of("+#") == std::string::npos && topic.find('\0') == std::string::npos;
}

}  // namespace

const std::vector<CommandSpec>& command_table() {
  static const std::vector<CommandSpec> table = {
      {"ping", {}, ping, "answers {\"pong\":true}: is the node's agent alive and reachable"},
      {"help", {}, help, "lists the commands with their arguments"},
      {"stats", {}, stats, "what the heartbeat reports, now"},
      {"stage.stop", {{"stage", ArgType::kStage, true}}, stage_stop,
       "unloads a stage (its KV state is kept); its input queue stays bounded, it reports \"stopped\""},
      {"stage.start", {{"stage", ArgType::kStage, true}}, stage_start,
       "loads a stopped stage again (runs ctm_init); queued inputs are then delivered"},
      {"stage.restart", {{"stage", ArgType::kStage, true}}, stage_restart,
       "unloads and loads a stage now (stopped, running or waiting to restart); counted in restarts"},
      {"stage.update",
       {{"stage", ArgType::kStage, true}, {"module", ArgType::kString, true}, {"allow_downgrade", ArgType::kBool, false}},
       stage_update,
       "hot swap to the module file at `module` on the node (signature and version checked with [trust]): state "
       "handed over between two messages, the old version kept and restored by itself if the new one traps or runs "
       "out of fuel while on probation"},
      {"stage.rollback", {{"stage", ArgType::kStage, true}}, stage_rollback,
       "back to the version the stage ran before its current one (kept on the node), past the downgrade guard; "
       "on probation like an update; during a probation it ends it at once; the reason is recorded"},
      {"stage.migrate", {{"stage", ArgType::kStage, true}, {"to", ArgType::kString, true}}, stage_migrate,
       "moves a running stage to node `to` with its state (docs/migration.md): the target prepares, the stage pauses "
       "between two messages, its snapshot goes across, the target resumes it; answers with the unavailability time"},
      {"stage.route",
       {{"stage", ArgType::kStage, true}, {"input", ArgType::kString, true}, {"sources", ArgType::kStrings, true}},
       stage_route,
       "rewires the stage's input port `input` to `sources` (\"stage.port\" on this node, \"node/stage/port\" "
       "elsewhere; at least one): subscribes to the new ones, drops the others; until the node restarts"},
      {"stage.adopt",
       {{"phase", ArgType::kString, true},
        {"stage", ArgType::kString, true},
        {"from", ArgType::kString, true},
        {"publisher", ArgType::kString, false},
        {"settings", ArgType::kObject, false},
        {"module", ArgType::kString, false},
        {"snapshot", ArgType::kString, false},
        {"next_seq", ArgType::kInteger, false},
        {"covered", ArgType::kObject, false}},
       stage_adopt,
       "sent by a node moving a stage here (stage.migrate): phase prepare (module, settings: load it and subscribe "
       "to its inputs), commit (snapshot: restore and resume) or abort"},
      {"stage.create",
       {{"stage", ArgType::kString, true},
        {"settings", ArgType::kObject, true},
        {"module", ArgType::kString, true},
        {"from", ArgType::kString, false}},
       stage_create,
       "sent by the cloud placing a new stage here (docs/migration.md \"Placement\"): settings (as stage.adopt's) "
       "and the signed module (base64, checked with [trust]); subscribes to its inputs and starts it fresh "
       "(ctm_init); refused when a grant names a device this node lacks or a stage of that name exists"},
      {"stage.stand_down", {{"stage", ArgType::kStage, true}, {"runs_on", ArgType::kString, true}}, stage_stand_down,
       "sent by the placement service when this node, back after its Will, runs a stage that was restarted on node "
       "`runs_on` meanwhile: this copy stops and is kept as moved there (docs/migration.md)"},
  };
  return table;
}

CommandProcessor::CommandProcessor(std::string node, CommandTarget& target, std::chrono::milliseconds remember,
                                   NowMs now)
    : node_(std::move(node)), target_(target), remember_(remember), now_(std::move(now)) {
  if (!now_) {
    now_ = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::steady_clock::now().time_since_epoch())
          .count();
    };
  }
}

CommandProcessor::Reply CommandProcessor::refuse(Kind kind, const json& id, const std::string& topic,
                                                 const std::string& error) {
  static const char* const kNames[] = {"malformed request", "unknown command", "bad arguments", "unknown stage",
                                       "command failed"};
  uint64_t* counter[] = {&counters_.malformed, &counters_.unknown_command, &counters_.bad_args,
                         &counters_.unknown_stage, &counters_.failed};
  ++*counter[kind];
  // Once per kind: a sender repeating a broken request must not flood the log.
  if (!logged_[kind]) {
    logged_[kind] = true;
    std::fprintf(stderr, "%s: command refused (%s): %s (further refusals of this kind are counted in the heartbeat)\n",
                 node_.c_str(), kNames[kind], error.c_str());
  }
  return {topic, json{{"id", id}, {"ok", false}, {"error", error}}.dump()};
}

void CommandProcessor::forget_old(int64_t now) {
  for (auto it = cache_.begin(); it != cache_.end();) {
    if (now - it->second.at_ms > remember_.count()) it = cache_.erase(it);
    else ++it;
  }
}

std::optional<CommandProcessor::Reply> CommandProcessor::handle(std::string_view payload) {
  ++counters_.received;
  const std::string default_topic = topics::reply(node_);
  json request = json::parse(payload.begin(), payload.end(), nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded() || !request.is_object())
    return refuse(kMalformed, nullptr, default_topic,
                  "the request is not a JSON object; expected {\"id\":\"...\",\"cmd\":\"...\",\"args\":{...},"
                  "\"reply_to\":\"...\"}");
  // The reply topic first, so that every later error can be answered.
  std::string topic = default_topic;
  auto reply_to = request.find("reply_to");
  json id = request.contains("id") ? request["id"] : json(nullptr);
  if (reply_to != request.end()) {
    if (!reply_to->is_string() || !valid_topic(reply_to->get<std::string>()))
      return refuse(kMalformed, id, default_topic, "\"reply_to\" must be a topic name (a string without + or #)");
    topic = reply_to->get<std::string>();
  }
  if (!id.is_string() || id.get<std::string>().empty())
    return refuse(kMalformed, id, topic, "\"id\" must be a non-empty string, unique per request");
  const std::string key = id.get<std::string>();
  int64_t now = now_();
  forget_old(now);
  if (auto hit = cache_.find(key); hit != cache_.end()) {
    ++counters_.duplicates;
    return Reply{topic, hit->second.payload};
  }
  auto cmd = request.find("cmd");
  if (cmd == request.end() || !cmd->is_string())
    return refuse(kMalformed, id, topic, "\"cmd\" must be a string naming a command (\"help\" lists them)");
  json args = request.contains("args") ? request["args"] : json::object();
  if (args.is_null()) args = json::object();
  if (!args.is_object()) return refuse(kMalformed, id, topic, "\"args\" must be an object");

  const CommandSpec* spec = nullptr;
  for (const CommandSpec& c : command_table())
    if (cmd->get<std::string>() == c.name) spec = &c;
  if (!spec)
    return refuse(kUnknownCommand, id, topic,
                  "unknown command \"" + cmd->get<std::string>() + "\" (\"help\" lists the commands)");
  for (const ArgSpec& a : spec->args) {
    auto value = args.find(a.name);
    if (value == args.end()) {
      if (a.required)
        return refuse(kBadArgs, id, topic,
                      std::string(spec->name) + ": missing argument \"" + a.name + "\" (" + type_name(a.type) + ")");
      continue;
    }
    if (!has_type(*value, a.type))
      return refuse(kBadArgs, id, topic,
                    std::string(spec->name) + ": argument \"" + a.name + "\" must be a " + type_name(a.type) +
                        ", got " + value->dump());
    if (a.type == ArgType::kStage && !target_.has_stage(value->get<std::string>())) {
      std::string names;
      for (const std::string& n : target_.stage_names()) names += (names.empty() ? "" : ", ") + n;
      return refuse(kUnknownStage, id, topic,
                    std::string(spec->name) + ": no stage \"" + value->get<std::string>() + "\" on node " + node_ +
                        " (stages: " + (names.empty() ? "none" : names) + ")");
    }
  }
  for (auto it = args.begin(); it != args.end(); ++it) {
    bool known = false;
    for (const ArgSpec& a : spec->args) known = known || it.key() == a.name;
    if (!known)
      return refuse(kBadArgs, id, topic, std::string(spec->name) + ": unknown argument \"" + it.key() + "\"");
  }

  json result = json::object();
  std::string error;
  Reply reply;
  if (spec->run(target_, args, &result, &error)) {
    ++counters_.ok;
    reply = {topic, json{{"id", id}, {"ok", true}, {"result", result}}.dump()};
  } else {
    reply = refuse(kFailed, id, topic, std::string(spec->name) + ": " + error);
  }
  // Only executed commands are remembered: a refused request ran nothing, so
  // answering its repeat afresh gives the same answer.
  if (cache_.size() >= kMaxCached) cache_.erase(cache_.begin());
  cache_[key] = {reply.payload, now};
  return reply;
}

json CommandProcessor::counters_json() const {
  const CommandCounters& c = counters_;
  return {{"received", c.received},       {"ok", c.ok},           {"duplicates", c.duplicates},
          {"malformed", c.malformed},     {"unknown_command", c.unknown_command},
          {"bad_args", c.bad_args},       {"unknown_stage", c.unknown_stage},
          {"failed", c.failed}};
}

}  // namespace continuum::node::agent
