// `continuum cmd NODE COMMAND [key=value ...]`: sends one command to a node's
// agent over MQTT (docs/protocol.md, "Commands"), waits for the reply and
// prints it. Exit 0 on an ok reply, 1 on an error reply, a timeout or no
// broker, 2 on usage errors. Broker options follow mosquitto_pub's habits
// (-h/--host, -p/--port) besides --broker HOST:PORT.

#include <CLI/CLI.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "continuum/adapters/mqtt_bus.h"
#include "continuum/node/agent/config.h"
#include "continuum/node/topics.h"
#include "exit_codes.h"
#include "node_request.h"

namespace continuum::cli {
namespace {

using nlohmann::json;

// key=value -> args member. Numbers and true/false are JSON values, anything
// else is a string (so `stage=filter` needs no quoting).
bool parse_arg(const std::string& text, json* args, std::string* error) {
  std::size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    *error = "argument \"" + text + "\" is not key=value (e.g. stage=filter)";
    return false;
  }
  std::string key = text.substr(0, eq), value = text.substr(eq + 1);
  json parsed = json::parse(value, nullptr, /*allow_exceptions=*/false);
  (*args)[key] = !parsed.is_discarded() && (parsed.is_number() || parsed.is_boolean()) ? parsed : json(value);
  return true;
}

}  // namespace

Command add_cmd_command(CLI::App& app) {
  struct Options {
    std::string node, command;
    std::vector<std::string> args;
    BrokerOptions where;
    std::string timeout = "5s";
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("cmd", "Send a command to a node's agent and print its reply (docs/protocol.md)");
  cmd->add_option("node", o->node, "The node id")->required();
  cmd->add_option("command", o->command, "The command (`help` lists them)")->required();
  cmd->add_option("args", o->args, "Arguments as key=value (numbers and true/false are typed, the rest strings)");
  add_broker_options(*cmd, o->where);
  cmd->add_option("--timeout", o->timeout, "How long to wait for the reply (default 5s; reaching the broker may take up to 5s more)");
  cmd->add_flag("--json", o->json, "Print the whole reply as one JSON line");
  return [o]() -> int {
    json args = json::object();
    std::string error;
    for (const std::string& a : o->args) {
      if (!parse_arg(a, &args, &error)) {
        std::fprintf(stderr, "error: %s\n", error.c_str());
        return kExitUsage;
      }
    }
    adapters::MqttConfig mc;
    if (!broker_config(o->where, &mc, &error)) {
      std::fprintf(stderr, "error: %s\n", error.c_str());
      return kExitUsage;
    }
    std::optional<node::agent::Millis> timeout = node::agent::parse_duration(o->timeout);
    if (!timeout || timeout->count() <= 0) {
      std::fprintf(stderr, "error: --timeout \"%s\": expected a duration such as 500ms, 5s or 1m\n",
                   o->timeout.c_str());
      return kExitUsage;
    }
    if (o->node.find_first_of("/+#") != std::string::npos || o->node.empty()) {
      std::fprintf(stderr, "error: node \"%s\": expected a node id (no '/', '+' or '#')\n", o->node.c_str());
      return kExitUsage;
    }
    const std::string requester = random_requester_id();
    const std::string id = requester + "-1";
    const std::string reply_topic = node::topics::reply(o->node, requester);
    const std::string status_topic = node::topics::status(o->node);
    mc.client_id = "ctm-" + requester;

    std::mutex mutex;
    std::condition_variable changed;
    std::optional<json> reply;
    std::string status;  // the node's retained status, if any
    adapters::MqttBus bus(mc);
    bus.set_message_handler([&](const node::Message& m) {
      std::lock_guard<std::mutex> lock(mutex);
      if (m.topic == status_topic) {
        json s = json::parse(m.payload, nullptr, false);
        if (s.is_object() && s.contains("state") && s["state"].is_string()) status = s["state"].get<std::string>();
        return;
      }
      json r = json::parse(m.payload, nullptr, false);
      if (r.is_object() && r.value("id", json()) == json(id)) {
        reply = std::move(r);
        changed.notify_all();
      }
    });
    // Reaching the broker has its own budget (at least 5 s), so a short reply
    // timeout on a busy machine does not turn into "no broker".
    auto deadline = std::chrono::steady_clock::now() + std::max<std::chrono::milliseconds>(*timeout, std::chrono::seconds(5));
    auto left_ms = [&] {
      return static_cast<int>(std::max<long long>(
          0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count()));
    };
    std::string where = mc.host + ":" + std::to_string(mc.port);
    bus.start();
    if (!bus.wait_connected(left_ms())) {
      bus.stop();
      std::fprintf(stderr, "error: cannot reach the MQTT broker at %s (is it running? -h/-p or --broker say where)\n",
                   where.c_str());
      return kExitError;
    }
    bus.subscribe(reply_topic, 1);
    bus.subscribe(status_topic, 1);
    if (!bus.wait_subscribed(left_ms())) {
      bus.stop();
      std::fprintf(stderr, "error: the broker at %s did not confirm the subscriptions\n", where.c_str());
      return kExitError;
    }
    json request = {{"id", id}, {"cmd", o->command}, {"args", args}, {"reply_to", reply_topic}};
    int token = 0;
    node::Status sent = bus.publish(node::topics::command(o->node), request.dump(), 1, false, &token);
    if (!sent) {
      bus.stop();
      std::fprintf(stderr, "error: cannot publish the command: %s\n", sent.message.c_str());
      return kExitError;
    }
    deadline = std::chrono::steady_clock::now() + *timeout;  // the reply's own timeout
    std::optional<json> answer;
    std::string last_status;
    {
      std::unique_lock<std::mutex> lock(mutex);
      changed.wait_until(lock, deadline, [&] { return reply.has_value(); });
      answer = reply;
      last_status = status;
    }
    bus.set_message_handler({});
    bus.stop();
    if (!answer) {
      std::string known = last_status == "offline" ? "its retained status says it is offline"
                          : last_status == "online"
                              ? "its retained status says it is online (busy, or an agent without commands?)"
                              : "the broker holds no status for it (wrong node id, or it never connected)";
      std::fprintf(stderr, "error: node %s did not answer within %s; %s\n", o->node.c_str(), o->timeout.c_str(),
                   known.c_str());
      return kExitError;
    }
    bool ok = answer->value("ok", false);
    if (o->json) {
      std::printf("%s\n", answer->dump().c_str());
    } else if (ok && o->command == "help" && answer->contains("result") && (*answer)["result"].contains("commands")) {
      // The command table as lines: name, arguments, what it does.
      for (const json& c : (*answer)["result"]["commands"]) {
        std::string args;
        if (c.contains("args") && c["args"].is_object())
          for (auto it = c["args"].begin(); it != c["args"].end(); ++it)
            args += (args.empty() ? "" : " ") + it.key() + "=<" + it.value().get<std::string>() + ">";
        std::printf("%-14s %-34s %s\n", c.value("name", "").c_str(), args.c_str(), c.value("help", "").c_str());
      }
    } else if (ok) {
      json result = answer->contains("result") ? (*answer)["result"] : json::object();
      std::printf("%s\n", result.dump(2).c_str());
    }
    if (!ok) {
      std::string why = answer->contains("error") && (*answer)["error"].is_string()
                            ? (*answer)["error"].get<std::string>()
                            : answer->dump();
      std::fprintf(stderr, "error: node %s: %s\n", o->node.c_str(), why.c_str());
      return kExitError;
    }
    return kExitOk;
  };
}

}  // namespace continuum::cli
