// Node commands on ctm/v1/<node>/cmd (docs/protocol.md, "Commands"): the
// control channel. Request {"id","cmd","args","reply_to"}; reply
// {"id","ok":true,"result"} or {"id","ok":false,"error"} on reply_to
// (default ctm/v1/<node>/reply).
//
// Every command is one row of command_table() (name, arguments, handler,
// one-line help): a new command is a new row, and `help` lists the table.
// The agent runs handle() on its loop thread between two deliveries, so
// handlers may touch stages without locking.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace continuum::node::agent {

// What command handlers may do to the node; the agent implements it.
class CommandTarget {
 public:
  virtual ~CommandTarget() = default;
  // What the heartbeat reports, now.
  virtual nlohmann::json stats_report() = 0;
  virtual bool has_stage(std::string_view stage) const = 0;
  virtual std::vector<std::string> stage_names() const = 0;
  // Each returns the stage's state afterwards ({"stage","state",...}) or
  // false and *error.
  virtual bool stop_stage(const std::string& stage, nlohmann::json* result, std::string* error) = 0;
  virtual bool start_stage(const std::string& stage, nlohmann::json* result, std::string* error) = 0;
  virtual bool restart_stage(const std::string& stage, nlohmann::json* result, std::string* error) = 0;
  // Hot swap to the module at PATH on the node (docs/ota.md, "Hot swap").
  virtual bool update_stage(const std::string& stage, const std::string& path, bool allow_downgrade,
                            nlohmann::json* result, std::string* error) = 0;
  // Back to the version before the current one (docs/ota.md, "Rollback").
  virtual bool rollback_stage(const std::string& stage, nlohmann::json* result, std::string* error) = 0;
  // Live migration (docs/migration.md): on the source, moves STAGE to node TO
  // and answers when the target runs it; on the target, one step of the
  // adoption (ARGS as sent by the source: phase prepare, commit or abort).
  virtual bool migrate_stage(const std::string& stage, const std::string& to, nlohmann::json* result,
                             std::string* error) = 0;
  virtual bool adopt_stage(const nlohmann::json& args, nlohmann::json* result, std::string* error) = 0;
  // A new stage placed here by the cloud (stage_create.cc): ARGS carry its
  // settings and signed module; it starts fresh (ctm_init).
  virtual bool create_stage(const nlohmann::json& args, nlohmann::json* result, std::string* error) = 0;
  // Rewires STAGE's input port INPUT to SOURCES ("stage.port" or
  // "node/stage/port"), replacing its sources (stage_route.cc).
  virtual bool route_stage(const std::string& stage, const std::string& input,
                           const std::vector<std::string>& sources, nlohmann::json* result, std::string* error) = 0;
  // STAGE runs on node RUNS_ON now (re-placed while this node was dead): stop
  // this copy and keep it as moved away (stand_down.cc).
  virtual bool stand_down_stage(const std::string& stage, const std::string& runs_on, nlohmann::json* result,
                                std::string* error) = 0;
};

enum class ArgType {
  kString,
  kStage,  // a string naming a stage of this node
  kInteger,
  kBool,
  kObject,
  kStrings,  // an array of strings
};

struct ArgSpec {
  const char* name;
  ArgType type;
  bool required;
};

struct CommandSpec {
  using Handler = std::function<bool(CommandTarget& target, const nlohmann::json& args, nlohmann::json* result,
                                     std::string* error)>;
  const char* name;
  std::vector<ArgSpec> args;  // members of "args" not listed here are an error
  Handler run;
  const char* help;
};

// The one table of commands.
const std::vector<CommandSpec>& command_table();

// Why a request was refused, each counted (and logged once per kind).
struct CommandCounters {
  uint64_t received = 0;
  uint64_t ok = 0;
  uint64_t duplicates = 0;       // an id seen recently: answered from the cache
  uint64_t malformed = 0;        // not JSON, or id/cmd/args/reply_to mistyped
  uint64_t unknown_command = 0;
  uint64_t bad_args = 0;         // missing, unknown or mistyped argument
  uint64_t unknown_stage = 0;
  uint64_t failed = 0;           // the handler reported an error
};

class CommandProcessor {
 public:
  using NowMs = std::function<int64_t()>;  // steady milliseconds (injected by tests)
  struct Reply {
    std::string topic;
    std::string payload;
  };
  // Replies are remembered for `remember` by request id: QoS 1 may deliver a
  // request twice, and a command like stage.restart must not run twice.
  CommandProcessor(std::string node, CommandTarget& target, std::chrono::milliseconds remember,
                   NowMs now = nullptr);

  // Handles one request payload. The reply to publish (QoS 1), or nullopt
  // when there is nowhere to send it. Malformed requests are answered on the
  // default reply topic (with "id": null when the id could not be read).
  std::optional<Reply> handle(std::string_view payload);

  CommandCounters counters() const { return counters_; }
  nlohmann::json counters_json() const;

 private:
  enum Kind { kMalformed, kUnknownCommand, kBadArgs, kUnknownStage, kFailed, kKinds };
  Reply refuse(Kind kind, const nlohmann::json& id, const std::string& topic, const std::string& error);
  void forget_old(int64_t now);

  std::string node_;
  CommandTarget& target_;
  std::chrono::milliseconds remember_;
  NowMs now_;
  CommandCounters counters_;
  bool logged_[kKinds] = {};
  struct Cached {
    std::string payload;
    int64_t at_ms;
  };
  std::map<std::string, Cached> cache_;  // request id -> its reply
  static constexpr std::size_t kMaxCached = 10000;  // bound even under a flood of fresh ids
};

}  // namespace continuum::node::agent
