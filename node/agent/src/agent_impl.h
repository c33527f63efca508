// Agent::Impl, the node agent's internals (agent.h is the public face):
// declared here so that its parts can live in files of their own
// (agent.cc: wiring, loop, supervisor, commands; stage_update.cc: hot swap).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "continuum/adapters/mqtt_bus.h"
#include "continuum/adapters/sqlite_outbox.h"
#include "continuum/node/agent/agent.h"
#include "continuum/node/ingest.h"
#include "continuum/node/outbox_sender.h"
#include "continuum/node/topics.h"
#include "continuum/ota/crypto.h"
#include "continuum/ota/signature.h"
#include "continuum/ota/transfer_receiver.h"
#include "commands.h"
#include "http_service.h"
#include "registry_service.h"
#include "placement_service.h"
#include "inbound_guard.h"
#include "module_store.h"
#include "node_devices.h"
#include "process_usage.h"
#include "stage_records.h"
#include "stage_slot.h"

namespace continuum::node::agent {

// The window of the heartbeat's per-second rates.
inline constexpr int kRateWindowS = 10;

// Failure kinds the supervisor restarts a stage for (fail_stage); each is
// logged once per stage and counted every time.
enum FailureKind : uint32_t { kTrap = 1, kOutOfFuel = 2, kRefusalStorm = 4, kInitFailed = 8 };

class Agent::Impl final : public CommandTarget {
 public:
  explicit Impl(NodeConfig config)
      : config_(std::move(config)), devices_(config_.devices), modules_(config_.data_dir) {}

  bool open(std::string* error);
  void run_loop();
  void stop();
  AgentStats stats();
  const NodeConfig& config() const { return config_; }

  // CommandTarget (commands.h), on the loop thread.
  nlohmann::json stats_report() override;
  bool has_stage(std::string_view stage) const override { return find_slot(stage) != nullptr; }
  std::vector<std::string> stage_names() const override;
  bool stop_stage(const std::string& stage, nlohmann::json* result, std::string* error) override;
  bool start_stage(const std::string& stage, nlohmann::json* result, std::string* error) override;
  bool restart_stage(const std::string& stage, nlohmann::json* result, std::string* error) override;
  bool load_on_command(StageSlot& slot, const std::string& stage, nlohmann::json* result, std::string* error);
  bool update_stage(const std::string& stage, const std::string& path, bool allow_downgrade,
                    nlohmann::json* result, std::string* error) override;
  bool rollback_stage(const std::string& stage, nlohmann::json* result, std::string* error) override;
  // Live migration (migration.cc, docs/migration.md).
  bool migrate_stage(const std::string& stage, const std::string& to, nlohmann::json* result,
                     std::string* error) override;
  bool adopt_stage(const nlohmann::json& args, nlohmann::json* result, std::string* error) override;
  // A new stage placed here (stage_create.cc, docs/migration.md "Placement").
  bool create_stage(const nlohmann::json& args, nlohmann::json* result, std::string* error) override;
  // POST /api/stages/<stage>/place on a [registry] node (stage_create.cc).
  adapters::HttpApiSources::PlaceStage place_stage_route();
  // Rerouting an input (stage_route.cc, docs/protocol.md "stage.route").
  bool route_stage(const std::string& stage, const std::string& input, const std::vector<std::string>& sources,
                   nlohmann::json* result, std::string* error) override;
  // A re-placed stage's copy here stands down (stand_down.cc).
  bool stand_down_stage(const std::string& stage, const std::string& runs_on, nlohmann::json* result,
                        std::string* error) override;

 private:
  StageSlot* find_slot(std::string_view stage) const;
  StageSettings& owned_settings(const StageSlot& slot);
  void unload_stage(StageSlot& slot);
  nlohmann::json stage_state(StageSlot& slot);
  void run_commands();
  nlohmann::json report();
  bool load_stage(StageSlot& slot, std::string* error);
  // From the file MODULE, or from BYTES (already read and verified) when given.
  std::unique_ptr<host::StageRuntime> make_runtime(StageSlot& slot, const std::string& module, std::string* error,
                                                   const std::string* bytes = nullptr);
  bool check_signature(StageSlot& slot, const std::string& bytes, bool allow_downgrade,
                       std::optional<ota::SignedManifest>* manifest, std::string* error);
  void carry_counters(StageSlot& slot, host::StageRuntime& runtime);
  // Hot swap (stage.update): probation, rollback, confirmation.
  // The swap itself, for stage.update (TRANSFER empty) and OTA installs.
  bool install_update(StageSlot& slot, const std::string& bytes, const std::string& label, bool allow_downgrade,
                      const std::string& transfer, uint64_t attempt, nlohmann::json* result, std::string* error);
  // OTA (docs/ota.md, "Transfer to install"): the receiver's installer (bus
  // thread) queues the verified module; the loop thread installs it.
  ota::InstallResult accept_ota_module(const ota::VerifiedModule& module);
  void run_ota_installs();
  // The stage's version at start: a confirmed update (ModuleStore) or the config's.
  void pick_start_module(StageSlot& slot);
  void note_version(StageSlot& slot);
  std::optional<std::string> installed_version(const std::string& name);
  void report_unfinished_probation(StageSlot& slot);
  void roll_back(StageSlot& slot, const std::string& why);
  // stage.rollback during probation: the new version's state into a fresh
  // instance of the previous one ("state-hooks", "kv-only"; "" and *why: not).
  std::string hand_state_back(StageSlot& slot, std::string* why);
  void confirm_update(StageSlot& slot);
  void publish_update_status(const StageSlot& slot, const std::string& transfer, ota::OtaState state,
                             const std::string& module, const std::string& reason);
  void fail_stage(StageSlot& slot, uint32_t kind, const std::string& detail);
  // Live migration (migration.cc): the target's side of each step, the
  // source's request to a node and its wait for the answer.
  bool adopt_prepare(const nlohmann::json& args, nlohmann::json* result, std::string* error);
  bool adopt_commit(const nlohmann::json& args, nlohmann::json* result, std::string* error);
  bool adopt_abort(const nlohmann::json& args, nlohmann::json* result, std::string* error);
  StageSlot& add_adopted_slot(const StageSettings& settings);
  void set_moved_away(StageSlot& slot, const std::string& node);
  // Moves across restarts (stage_persistence.cc, stage_records.h): recorded
  // when a stage moves in (remember_adopted: at the commit, or when the cloud
  // places a new stage here) or away (remember_moved_away, from
  // set_moved_away); brought back at open().
  bool is_configured(const StageSlot& slot) const;
  std::optional<std::string> module_digest(const std::string& path) const;
  void remember_adopted(StageSlot& slot, const std::string& from, const std::string& snapshot,
                        const std::map<std::string, uint64_t, std::less<>>& covered);
  void remember_moved_away(StageSlot& slot, const std::string& node);
  void save_adopted_snapshot(StageSlot& slot, const std::string& module, const std::vector<uint8_t>& snapshot,
                             const std::map<std::string, uint64_t, std::less<>>& covered, bool clean);
  void save_adopted_on_stop();
  // Record writes (fsync) wait until the command's reply is out: the
  // source's pause does not include them (run_commands, stop).
  void run_after_reply();
  void write_adopted_record(StageSlot& slot, const std::string& from, const std::string& snapshot,
                            const std::map<std::string, uint64_t, std::less<>>& covered);
  void bring_back_moves();
  bool start_restored(StageSlot& slot);
  bool settings_for_elsewhere(const StageSlot& slot, StageSettings* out, std::string* error);
  std::optional<std::string> module_for_elsewhere(const StageSlot& slot, std::string* error);
  void pending_and_covered(const StageSlot& slot, const std::deque<Delivery>& queued,
                           std::vector<host::PendingInput>* pending,
                           std::map<std::string, uint64_t, std::less<>>* covered);
  void publish_snapshots();
  std::string migration_reply_topic() const { return topics::reply(config_.id, "migrate"); }
  void on_migration_reply(const Message& m);
  // Waits up to TIMEOUT ([migration] timeout when zero).
  std::optional<nlohmann::json> call_node(const std::string& node, const std::string& cmd, const nlohmann::json& args,
                                          std::string* error, Millis timeout = Millis(0));
  void after_call(StageSlot& slot, const host::CallResult& r, uint64_t refusals_before);
  int32_t on_emit(std::size_t index, std::string_view port, std::string_view values);
  void on_bus_message(const Message& m);
  void on_data_message(const Message& m);
  void enqueue(std::size_t index, std::string port, std::string payload,
               std::optional<InputOrigin> origin = std::nullopt, std::string source = {}, uint64_t seq = 0);
  void push_delivery(StageSlot& slot, Delivery d);  // under mutex_
  bool deliver_queued(StageSlot& slot);
  void heartbeat();
  bool publishes(const StageSlot& slot, std::string_view port) const;
  std::string kv_path(const std::string& stage) const {
    return (std::filesystem::path(config_.data_dir) / "kv" / stage).string();
  }

  NodeConfig config_;
  NodeDevices devices_;
  Clock::time_point epoch_ = Clock::now();
  std::vector<std::unique_ptr<StageSlot>> slots_;
  // (stage, port) of a local output -> (stage index, input port) receiving it.
  std::map<std::pair<std::string, std::string>, std::vector<std::pair<std::size_t, std::string>>> local_routes_;
  // Data topic of a remote source -> receivers.
  std::map<std::string, std::vector<std::pair<std::size_t, std::string>>> remote_routes_;

  std::unique_ptr<adapters::SqliteOutbox> outbox_;
  std::unique_ptr<adapters::MqttBus> bus_;
  std::unique_ptr<OutboxSender> sender_;
  std::unique_ptr<ReadingStore> store_;
  std::unique_ptr<IngestWorker> ingest_;
  // [trust]: the keys stage.update checks signatures against.
  std::unique_ptr<ota::Crypto> crypto_;
  ota::TrustStore trust_;
  ModuleStore modules_;  // <data_dir>/modules: installed and confirmed updates
  StageRecords records_{config_.data_dir};  // <data_dir>/stages: stages moved in and away
  std::map<std::string, StageRecord> restoring_;  // open(): adopted stages to start from their snapshot
  std::vector<std::function<void()>> after_reply_;  // loop thread: run_after_reply
  // With [mqtt]: OTA transfers to this node; verified modules wait in
  // pending_installs_ (guarded by mutex_) for the loop thread.
  std::unique_ptr<ota::TransferReceiver> ota_receiver_;
  std::deque<ota::VerifiedModule> pending_installs_;
  std::unique_ptr<InboundGuard> inbound_;  // size and envelope checks on what arrives
  // Data subscriptions' MQTT 5 identifiers (on_data_message).
  static constexpr uint32_t kIngestSubscription = 1;
  static constexpr uint32_t kInputSubscription = 2;
  bool inputs_via_ingest_ = false;  // the plain ingest subscription feeds the stages' remote inputs
  std::atomic<bool> warned_untagged_{false};
  std::unique_ptr<RegistryService> registry_;  // [registry]; before http_, which serves it
  std::unique_ptr<PlacementService> placement_;  // [placement]
  std::unique_ptr<HttpService> http_;  // [http]; declared after ingest_, which it reads
  // Set once http_ holds the started service: its own handlers (the place
  // route) can run before start() returns, on the server's threads.
  std::atomic<bool> http_ready_{false};

  // Stages adopted by a move (slots_ grows, routes are added): their
  // settings (stable addresses: StageSlot keeps a reference), the lock the
  // bus thread takes to read slots_ and remote_routes_ (the loop thread, the
  // only writer, takes it exclusively to change them), the answers to this
  // node's requests to other nodes by id.
  std::deque<StageSettings> adopted_settings_;
  mutable std::shared_mutex wiring_mutex_;
  std::mutex calls_mutex_;
  std::condition_variable calls_changed_;
  std::map<std::string, nlohmann::json> call_replies_;
  std::atomic<uint64_t> next_call_{0};  // the placement service calls nodes from its own thread

  std::mutex mutex_;  // the stages' queues and the flags below
  std::condition_variable wake_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::mutex stats_mutex_;  // StageStats copies read by stats()
  uint64_t published_ = 0;
  RateWindow published_rate_{kRateWindowS};
  std::optional<CpuMeter> cpu_meter_;  // loop thread: CPU use between heartbeats
  std::unique_ptr<CommandProcessor> commands_;  // with [mqtt]
  std::deque<std::string> pending_commands_;    // guarded by mutex_
  std::vector<Delivery> delivery_burst_;  // loop thread: deliver_queued's messages in hand
  std::thread loop_;
};

}  // namespace continuum::node::agent
