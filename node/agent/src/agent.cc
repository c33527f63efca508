#include "continuum/node/agent/agent.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <shared_mutex>
#include <thread>

#include "continuum/adapters/ed25519_keys.h"
#include "continuum/adapters/mqtt_bus.h"
#include "continuum/adapters/openssl_crypto.h"
#include "continuum/adapters/sqlite_outbox.h"
#include "continuum/adapters/storage.h"
#include "continuum/host/abi.h"
#include "continuum/host/payload.h"
#include "continuum/node/ingest.h"
#include "continuum/node/outbox_sender.h"
#include "continuum/node/presence.h"
#include "continuum/node/reading_batch.h"
#include "continuum/node/topics.h"
#include "commands.h"
#include "http_service.h"
#include "inbound_guard.h"
#include "node_devices.h"
#include "process_usage.h"
#include "report.h"
#include "stage_slot.h"
#include "agent_impl.h"
#include "continuum/node/wall_clock.h"

namespace continuum::node::agent {
namespace {

using std::chrono::milliseconds;

// Not a failure (no restart), but logged once per stage the same way.
constexpr uint32_t kHandlerErrorLogged = 16;

const char* failure_name(uint32_t kind) {
  switch (kind) {
    case kTrap: return "trapped";
    case kOutOfFuel: return "ran out of fuel";
    case kRefusalStorm: return "had a storm of refused host calls";
    default: return "failed to start";
  }
}

uint64_t refusals(const host::StageCounters& c) { return c.not_granted + c.bad_pointer + c.unsafe; }

}  // namespace

// How long a command id is remembered (a redelivered request is answered
// from the cache, not run again).
constexpr milliseconds kRememberCommands{10 * 60 * 1000};


bool Agent::Impl::open(std::string* error) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(config_.data_dir) / "seq", ec);
  if (!ec) std::filesystem::create_directories(std::filesystem::path(config_.data_dir) / "kv", ec);
  if (ec) {
    *error = config_.source + ": node.data_dir: cannot create " + config_.data_dir + ": " + ec.message();
    return false;
  }
  crypto_ = std::make_unique<adapters::OpenSslCrypto>();  // signatures ([trust]) and OTA transfers
  if (!config_.trust.keys.empty()) {
    if (Status s = adapters::load_trust_store(config_.trust.keys, *crypto_, trust_); !s) {
      *error = config_.source + ": trust.keys: " + s.message;
      return false;
    }
  }
  if (!devices_.open(error)) {
    *error = config_.source + ": " + *error;
    return false;
  }
  for (std::size_t i = 0; i < config_.stages.size(); ++i) {
    const StageSettings& s = config_.stages[i];
    std::string seq_path = (std::filesystem::path(config_.data_dir) / "seq" / s.name).string();
    auto emit = [this, i](std::string_view port, std::string_view values) { return on_emit(i, port, values); };
    slots_.push_back(std::make_unique<StageSlot>(s, seq_path, emit, epoch_, config_.id));
    StageSlot& slot = *slots_.back();
    slot.stats.name = s.name;
    slot.publisher = slot.stats.publisher = config_.id;
    read_kv_file(kv_path(s.name), &slot.kv);
    pick_start_module(slot);
    devices_.attach(slot.routes);
    for (const auto& [port, sources] : s.inputs) {
      for (const SourceSettings& src : sources) {
        if (src.remote) remote_routes_[topics::data(src.node, src.stage, src.port)].push_back({i, port});
        else local_routes_[{src.stage, src.port}].push_back({i, port});
      }
    }
  }
  bring_back_moves();  // stages moved away before this start, and adopted ones (stage_persistence.cc)
  if (config_.mqtt.enabled) {
    Status status;
    adapters::SqliteOutboxConfig oc;
    oc.path = config_.outbox.path;
    oc.capacity = config_.outbox.capacity;
    oc.policy = config_.outbox.policy;
    oc.sync = config_.outbox.sync_full ? adapters::OutboxSync::kFull : adapters::OutboxSync::kNormal;
    outbox_ = adapters::SqliteOutbox::open(oc, &status);
    if (!outbox_) {
      *error = config_.source + ": outbox: cannot open " + oc.path + ": " + status.message;
      return false;
    }
    adapters::MqttConfig mc = config_.mqtt.mqtt;
    mc.client_id = "ctm-" + config_.id;
    adapters::use_node_presence(mc, config_.id);
    bus_ = std::make_unique<adapters::MqttBus>(mc);
    sender_ = std::make_unique<OutboxSender>(*outbox_, *bus_, config_.outbox.window);
    // docs/protocol.md, "Batches": a batch no larger than a payload this node
    // accepts (receivers are expected to share the setting).
    sender_->set_batching(config_.outbox.batch, config_.mqtt.max_payload);
    if (config_.ingest.enabled) {
      store_ = adapters::open_reading_store(config_.ingest.storage, &status);
      if (!store_) {
        *error = config_.source + ": ingest: cannot open storage: " + status.message;
        return false;
      }
      IngestConfig ingest_config;
      ingest_config.on_stored = [this](const Reading& r, int64_t received_ms) {
        if (http_) http_->on_stored(r, received_ms);  // the API's event stream
      };
      // One transaction per batch of readings instead of per reading
      // (ingest.h): the cloud node's largest cost at a thousand readings/s.
      ingest_config.group_commit = true;
      ingest_ = std::make_unique<IngestWorker>(*bus_, *store_, ingest_config);
    }
    if (config_.registry.enabled) {
      if (!(registry_ = RegistryService::open(config_, *bus_, error))) return false;
      for (const std::string& topic : registry_->subscriptions()) bus_->subscribe(topic, 1);
    }
    if (config_.http.enabled) {
      http_ = HttpService::start(config_, *bus_, ingest_.get(), error,
                                 registry_ ? registry_->http_sources() : adapters::RegistrySources{},
                                 [this](const std::string& from, const std::string& stage, const std::string& to,
                                        std::string* why) -> std::optional<std::string> {
                                   // The source waits up to twice [migration] timeout itself.
                                   std::optional<nlohmann::json> r = call_node(
                                       from, "stage.migrate", {{"stage", stage}, {"to", to}}, why,
                                       config_.migration.timeout * 3);
                                   return r ? std::optional<std::string>(r->dump()) : std::nullopt;
                                 },
                                 [this](const std::string& node, const std::string& stage, const std::string& input,
                                        const std::vector<std::string>& sources,
                                        std::string* why) -> std::optional<std::string> {
                                   // The node answers once subscribed (up to [migration] timeout).
                                   std::optional<nlohmann::json> r = call_node(
                                       node, "stage.route", {{"stage", stage}, {"input", input}, {"sources", sources}},
                                       why, config_.migration.timeout * 2);
                                   return r ? std::optional<std::string>(r->dump()) : std::nullopt;
                                 },
                                 registry_ ? place_stage_route() : adapters::HttpApiSources::PlaceStage{});
      if (!http_) return false;
      http_ready_.store(true, std::memory_order_release);  // http_ is set: the place route may read it
      // Deploy/rollback progress to the dashboard's event stream.
      if (registry_)
        registry_->set_rollout_listener([this](const ota::Rollout& r, const ota::RolloutTarget& t) {
          http_->publish_event("rollout", t.node, r.stage, ota::rollout_event_json(r, t));
        });
      bus_->subscribe(topics::all_statuses(), 1);
      bus_->subscribe(topics::all_heartbeats(), 0);
    }
    // One handler for everything received: ingest and remote stage inputs.
    inbound_ = std::make_unique<InboundGuard>(config_.id, config_.mqtt.max_payload);
    bus_->set_message_handler([this](const Message& m) { on_bus_message(m); });
    // The broker sends one copy per matching subscription, tagged with that
    // subscription's identifier (docs/protocol.md, "Overlapping
    // subscriptions"). A plain ingest subscription (ctm/v1/data/#) already
    // brings every remote input, so its copy feeds the stages too and the
    // inputs get no subscription of their own; a shared one brings only this
    // worker's share, so the inputs are subscribed as well and each copy goes
    // to the consumer its identifier names.
    inputs_via_ingest_ = config_.ingest.enabled && config_.ingest.share_group.empty();
    if (!inputs_via_ingest_)
      for (const auto& [topic, receivers] : remote_routes_) bus_->subscribe_tagged(topic, 1, kInputSubscription);
    commands_ = std::make_unique<CommandProcessor>(config_.id, *this, kRememberCommands);
    bus_->subscribe(topics::command(config_.id), 1);
    bus_->subscribe(migration_reply_topic(), 1);  // the targets' answers while this node moves a stage
    if (config_.placement.enabled) {
      const PlacementSettings& p = config_.placement;
      placement_ = std::make_unique<PlacementService>(
          config_.id, *bus_,
          [this](const std::string& node, const std::string& cmd, const nlohmann::json& args, std::string* error,
                 Millis timeout) { return call_node(node, cmd, args, error, timeout); },
          LoadSettings{p.load_threshold, p.load_window, p.cooldown, p.load_margin}, config_.migration.timeout);
      if (http_)  // each verdict in the dashboard's event log too
        placement_->set_verdict_listener([this](const nlohmann::json& v) {
          http_->publish_event("placement", v.value("node", v.value("from", "")), v.value("stage", ""), v.dump());
        });
      for (const std::string& topic : placement_->subscriptions()) bus_->subscribe(topic, 1);
    }
    // OTA transfers to this node (docs/ota.md, "Transfer to install"): the
    // version guard runs on the offer (before downloading) against the
    // running version of the module's name, and again at install against
    // the stage's.
    ota::ReceiverOptions receiver;
    receiver.node = config_.id;
    receiver.dir = std::filesystem::path(config_.data_dir) / "ota";
    ota_receiver_ = std::make_unique<ota::TransferReceiver>(
        *bus_, *crypto_, trust_, receiver, [this](const ota::VerifiedModule& m) { return accept_ota_module(m); },
        [this](const std::string& name) { return installed_version(name); });
    for (const std::string& topic : ota_receiver_->subscriptions()) bus_->subscribe(topic, 1);
    // One connection handler per bus: the outbox resumes sending, and a
    // transfer cut by the disconnect asks for its missing chunks at once
    // instead of waiting for the receiver's re-request timer.
    bus_->set_connection_handler([this](bool connected) {
      if (connected) sender_->pump();
      ota_receiver_->handle_connection(connected);
    });
    for (auto& slot : slots_) report_unfinished_probation(*slot);
    if (ingest_) {
      std::string filter = topics::all_data();
      if (!config_.ingest.share_group.empty()) filter = topics::shared(config_.ingest.share_group, filter);
      bus_->subscribe_tagged(filter, 1, kIngestSubscription);
    }
    // An unreachable broker is not fatal: the bus keeps retrying and the
    // outbox buffers meanwhile.
    Status started = bus_->start();
    if (!started) std::fprintf(stderr, "%s: mqtt: %s (retrying)\n", config_.id.c_str(), started.message.c_str());
  }
  if (!ota_receiver_)
    for (auto& slot : slots_) report_unfinished_probation(*slot);  // with [mqtt]: done before connecting
  for (auto& slot : slots_) {
    if (slot->placement == StageSlot::Placement::kMovedAway) continue;  // runs on another node
    if (start_restored(*slot)) continue;  // adopted: from its last snapshot
    if (!load_stage(*slot, error)) return false;
  }
  std::optional<ProcessUsage> usage = read_process_usage();
  cpu_meter_.emplace(usage ? usage->cpu_s : 0.0);
  loop_ = std::thread([this] { run_loop(); });
  return true;
}

// Loads the module and runs ctm_init. A module file that cannot be loaded at
// all is a configuration error (at start) or a failure (at a restart).
bool Agent::Impl::load_stage(StageSlot& slot, std::string* error) {
  slot.runtime = make_runtime(slot, slot.module, error);
  if (!slot.runtime) return false;
  // The state the last instance (or the last run of the node) left.
  for (const auto& [key, value] : slot.kv)
    slot.runtime->host().kv().put(key, value.data(), static_cast<uint32_t>(value.size()));
  uint64_t before = 0;
  host::CallResult r = slot.runtime->init();
  after_call(slot, r, before);
  if (slot.runtime) {
    slot.up_since = Clock::now();
    if (slot.settings.tick) slot.next_tick = Clock::now() + *slot.settings.tick;
  }
  return true;
}

// Loads MODULE with the stage's grants, limits and config; not initialised.
std::unique_ptr<host::StageRuntime> Agent::Impl::make_runtime(StageSlot& slot, const std::string& module,
                                                              std::string* error, const std::string* bytes) {
  const StageSettings& s = slot.settings;
  host::StageConfig sc;
  sc.name = s.name;
  std::string why;
  if (!host::GrantSet::parse(s.grants, &sc.grants, &why)) {
    *error = config_.source + ": stage " + s.name + ": grants: " + why;
    return nullptr;
  }
  for (const std::string& limit : s.limits) {
    if (!sc.limits.add(limit, &why)) {
      *error = config_.source + ": stage " + s.name + ": limits: " + why;
      return nullptr;
    }
  }
  for (const auto& [k, v] : s.config) sc.config[k] = v;
  host::RuntimeLimits limits;
  limits.fuel_per_call = s.fuel;
  limits.memory_bytes = s.memory_bytes;
  auto runtime = bytes ? host::StageRuntime::from_wasm_bytes(reinterpret_cast<const uint8_t*>(bytes->data()),
                                                              bytes->size(), sc, slot.routes, limits, &why)
                       : host::StageRuntime::load(module, sc, slot.routes, limits, &why);
  if (!runtime) *error = config_.source + ": stage " + s.name + ": cannot load " + module + ": " + why;
  return runtime;
}

// Adds what an instance counted to what outlives it.
void Agent::Impl::carry_counters(StageSlot& slot, host::StageRuntime& runtime) {
  const host::StageCounters& c = runtime.host().counters();
  slot.carried.handler_errors += c.handler_errors;
  slot.carried.not_granted += refusals(c);  // all refusal kinds, summed
  slot.carried_fuel += runtime.fuel_consumed();
}

// Drops the instance, keeping what outlives it: counters and KV state.
void Agent::Impl::unload_stage(StageSlot& slot) {
  if (!slot.runtime) return;
  confirm_update(slot);  // an unload ends a probation: the old version is not brought back
  carry_counters(slot, *slot.runtime);
  slot.kv = slot.runtime->host().kv().entries();
  slot.runtime.reset();
}

void Agent::Impl::fail_stage(StageSlot& slot, uint32_t kind, const std::string& detail) {
  unload_stage(slot);
  Clock::time_point now = Clock::now();
  // Backoff doubles while failures follow each other; a stage that stayed up
  // for a whole backoff_max starts over from backoff_min.
  const SupervisorSettings& sup = config_.supervisor;
  if (slot.backoff.count() == 0 || now - slot.up_since >= sup.backoff_max) slot.backoff = sup.backoff_min;
  else slot.backoff = std::min<milliseconds>(slot.backoff * 2, sup.backoff_max);
  slot.restart_at = now + slot.backoff;
  std::lock_guard<std::mutex> lock(stats_mutex_);
  StageStats& st = slot.stats;
  if (kind == kTrap) ++st.traps;
  else if (kind == kOutOfFuel) ++st.out_of_fuel;
  else if (kind == kRefusalStorm) ++st.refusal_storms;
  st.backoff_ms = slot.backoff.count();
  st.fuel_used = slot.carried_fuel;
  st.state = "backoff";
  if (!(slot.logged_kinds & kind)) {
    slot.logged_kinds |= kind;
    if (kind == kTrap) slot.services.mute_traps = true;
    if (kind == kOutOfFuel) slot.services.mute_out_of_fuel = true;
    std::fprintf(stderr, "%s/%s: %s (%s); restarting in %lld ms (further failures of this kind are counted in the heartbeat)\n",
                 config_.id.c_str(), slot.settings.name.c_str(), failure_name(kind), detail.c_str(),
                 static_cast<long long>(slot.backoff.count()));
  }
}

void Agent::Impl::after_call(StageSlot& slot, const host::CallResult& r, uint64_t refusals_before) {
  if (slot.probation && (r.kind == host::CallResult::Kind::Trapped || r.kind == host::CallResult::Kind::OutOfFuel))
    return roll_back(slot, (r.kind == host::CallResult::Kind::Trapped ? "trapped: " : "ran out of fuel: ") + r.detail);
  if (r.kind == host::CallResult::Kind::Trapped) return fail_stage(slot, kTrap, r.detail);
  if (r.kind == host::CallResult::Kind::OutOfFuel) return fail_stage(slot, kOutOfFuel, r.detail);
  uint64_t now_refused = refusals(slot.runtime->host().counters());
  if (now_refused - refusals_before >= config_.supervisor.refusal_storm)
    return fail_stage(slot, kRefusalStorm, std::to_string(now_refused - refusals_before) + " refused calls in one delivery");
  const host::StageCounters& c = slot.runtime->host().counters();
  std::lock_guard<std::mutex> lock(stats_mutex_);
  slot.stats.state = "running";
  slot.stats.handler_errors = slot.carried.handler_errors + c.handler_errors;
  if (slot.stats.handler_errors > 0 && !(slot.logged_kinds & kHandlerErrorLogged)) {
    slot.logged_kinds |= kHandlerErrorLogged;
    std::fprintf(stderr, "%s/%s: a handler returned an error (the module refused its input); further ones are "
                 "counted in the heartbeat (handler_errors)\n", config_.id.c_str(), slot.settings.name.c_str());
  }
  slot.stats.refused = slot.carried.not_granted + refusals(c);
  slot.stats.fuel_used = slot.carried_fuel + slot.runtime->fuel_consumed();
}

bool Agent::Impl::publishes(const StageSlot& slot, std::string_view port) const {
  if (!sender_) return false;
  if (slot.settings.publish_all) return true;
  for (const std::string& p : slot.settings.publish)
    if (p == port) return true;
  return false;
}

// Called on the loop thread while the stage runs: wrap the values in the
// envelope, hand it to local receivers and (if wanted) to the outbox.
int32_t Agent::Impl::on_emit(std::size_t index, std::string_view port, std::string_view values) {
  StageSlot& slot = *slots_[index];
  host::Envelope e;
  e.node = slot.publisher;  // stable across moves (docs/migration.md)
  e.stage = slot.settings.name;
  // Emitted while handling an input: the input's origin time and path plus
  // this stage (lineage.h); from a tick or init: a new origin.
  if (slot.handling) {
    e.ts_ms = slot.handling->origin_ts_ms;
    e.hops_json = slot.handling->hops_json;
  } else {
    e.ts_ms = wall_clock_ms();
  }
  std::string values_text, why;
  // Validate before taking a sequence number so a bad payload leaves no gap.
  if (!host::prepare_envelope_values(values, &values_text, &why)) return host::kINVALID;
  e.seq = slot.seq.take();
  std::string text = host::envelope_text(e, values_text);
  {
    std::lock_guard<std::mutex> lock(stats_mutex_);
    ++slot.stats.emitted;
    slot.out_rate.add();
  }
  auto routes = local_routes_.find({slot.settings.name, std::string(port)});
  if (routes != local_routes_.end()) {
    for (const auto& [receiver, input] : routes->second)
      enqueue(receiver, input, text, std::nullopt, slot.publisher + "/" + slot.settings.name, e.seq);
  }
  if (publishes(slot, port)) {
    // Group commit (outbox_sender.h): the loop does not wait for the fsync.
    sender_->post(topics::data(slot.publisher, slot.settings.name, port), std::move(text));
    std::lock_guard<std::mutex> lock(stats_mutex_);
    ++published_;
    published_rate_.add();
  }
  return host::kOK;
}

void Agent::Impl::on_bus_message(const Message& m) {
  if (topics::is_data(m.topic)) return on_data_message(m);
  if (!inbound_->accept(m)) return;  // dropped, counted, logged once per kind
  if (bus_ && m.topic == migration_reply_topic()) return on_migration_reply(m);
  if (placement_ && placement_->handle_message(m)) return;  // snapshots; statuses and heartbeats go on
  if (commands_ && m.topic == topics::command(config_.id)) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      pending_commands_.push_back(m.payload);
    }
    wake_.notify_one();  // run on the loop thread, between two deliveries
    return;
  }
  if (ota_receiver_ && ota_receiver_->handle_message(m)) return;  // offers and chunks for this node
  if (registry_ && registry_->handle_message(m)) {  // OTA requests and status
    if (http_) http_->on_message(m);                  // the events log notes outcomes
    return;
  }
  if (http_ && HttpService::is_fleet_topic(m.topic)) http_->on_message(m);
}

// One copy of a data message: to ingest, to the stages' remote inputs, or
// both, by the subscription it was delivered for (see open()).
void Agent::Impl::on_data_message(const Message& m) {
  std::shared_lock<std::shared_mutex> wiring(wiring_mutex_);  // stages adopted by a move add routes
  auto routes = remote_routes_.find(m.topic);
  const bool has_inputs = routes != remote_routes_.end();
  bool for_ingest, for_inputs;
  if (m.subscription_ids.empty()) {
    // Not from a subscription of this process: a broker that does not send
    // identifiers, or one left in a persistent session by an older version.
    // Handled by topic so nothing is lost (duplicates are possible).
    if (!warned_untagged_.exchange(true))
      std::fprintf(stderr, "%s: a data message on %s came without a subscription identifier (broker without MQTT 5 "
                   "subscription identifiers, or a subscription left in the session); handling it by topic, "
                   "duplicates are possible\n", config_.id.c_str(), m.topic.c_str());
    for_ingest = ingest_ != nullptr;
    for_inputs = has_inputs;
  } else {
    auto tagged = [&](uint32_t id) {
      return std::find(m.subscription_ids.begin(), m.subscription_ids.end(), id) != m.subscription_ids.end();
    };
    for_ingest = ingest_ && tagged(kIngestSubscription);
    // Exactly one subscription feeds the inputs; a copy for the other (left
    // in a persistent session by another configuration) is not theirs.
    for_inputs = has_inputs && tagged(inputs_via_ingest_ ? kIngestSubscription : kInputSubscription);
  }
  if (!for_ingest && !for_inputs) return;
  // Bad input is counted once per message: a message for the inputs always
  // comes on their copy, so the ingest-only copy of it is dropped uncounted.
  bool count = for_inputs || !has_inputs || inputs_via_ingest_;
  // The check's parse is the only one: ingest stores its result, and the
  // deliveries take the lineage from it. A batch (docs/protocol.md,
  // "Batches") is handled as its readings one by one, each with its own
  // seq and origin, exactly as if they had come alone.
  thread_local std::vector<InboundGuard::Accepted> readings;
  if (!inbound_->accept_data(m, count, &readings)) return;
  if (for_inputs) {
    // Every reading of the message enters the queues under one lock and the
    // loop is woken once: one hand-off per message, not per reading.
    const int64_t arrival_ms = wall_clock_ms();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const InboundGuard::Accepted& a : readings) {
        for (const auto& [receiver, input] : routes->second)
          push_delivery(*slots_[receiver],
                        {input, std::string(a.text), arrival_ms, InputOrigin{a.reading.ts_ms, a.reading.hops},
                         a.reading.node + "/" + a.reading.stage, a.reading.seq});
      }
    }
    wake_.notify_one();
  }
  if (for_ingest)
    for (InboundGuard::Accepted& a : readings) ingest_->handle(m, std::move(a.reading));
  readings.clear();
}

// Under mutex_.
void Agent::Impl::push_delivery(StageSlot& slot, Delivery d) {
  if (slot.placement == StageSlot::Placement::kMovedAway) return;  // the node it runs on has its own copy
  if (slot.queue.size() >= slot.settings.queue) {
    slot.queue.pop_front();  // the newest data matters most to a control loop
    std::lock_guard<std::mutex> stats_lock(stats_mutex_);
    ++slot.stats.dropped;
  }
  slot.queue.push_back(std::move(d));
}

void Agent::Impl::enqueue(std::size_t index, std::string port, std::string payload,
                          std::optional<InputOrigin> origin, std::string source, uint64_t seq) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    push_delivery(*slots_[index],
                  {std::move(port), std::move(payload), wall_clock_ms(), std::move(origin), std::move(source), seq});
  }
  wake_.notify_one();
}

// Takes what is queued for the stage (up to kDeliveryBurst) under one lock
// and delivers it in order: one lock round and one look at the queue per
// burst instead of per message. What a burst cannot deliver (the stage
// failed, was rolled back or moved) goes back to the front of the queue,
// in order, before anything else runs.
constexpr std::size_t kDeliveryBurst = 32;

bool Agent::Impl::deliver_queued(StageSlot& slot) {
  std::vector<Delivery>& burst = delivery_burst_;  // the loop thread's
  burst.clear();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (slot.queue.empty()) return false;
    std::size_t n = std::min(slot.queue.size(), kDeliveryBurst);
    for (std::size_t k = 0; k < n; ++k) {
      burst.push_back(std::move(slot.queue.front()));
      slot.queue.pop_front();
    }
  }
  std::size_t k = 0;
  for (; k < burst.size(); ++k) {
    if (!slot.runtime || slot.placement != StageSlot::Placement::kHere) break;
    Delivery& d = burst[k];
    uint64_t before = refusals(slot.runtime->host().counters());
    slot.rolled_back = false;
    slot.handling = d.origin ? lineage_of_origin(*d.origin, config_.id, slot.settings.name, d.arrival_ms)
                             : lineage_of_input(d.payload, config_.id, slot.settings.name, d.arrival_ms);
    host::CallResult r = slot.runtime->deliver(d.port, reinterpret_cast<const uint8_t*>(d.payload.data()),
                                               static_cast<uint32_t>(d.payload.size()));
    slot.handling.reset();
    {
      std::lock_guard<std::mutex> lock(stats_mutex_);
      ++slot.stats.delivered;
      slot.in_rate.add();
    }
    after_call(slot, r, before);
    if (slot.rolled_back) {
      // The message the new version failed on goes to the old one next.
      slot.rolled_back = false;
      break;
    }
    if (!d.source.empty()) slot.last_handled[d.source] = d.seq;  // what a move's target must not handle again
    if (slot.probation && slot.runtime && --slot.probation->messages_left == 0) confirm_update(slot);
  }
  if (k < burst.size()) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (std::size_t j = burst.size(); j-- > k;) slot.queue.push_front(std::move(burst[j]));
  }
  burst.clear();
  return true;
}

void Agent::Impl::run_loop() {
  Clock::time_point next_heartbeat = Clock::now();
  Clock::time_point next_retention = Clock::now() + config_.ingest.retention_every;
  Clock::time_point next_snapshot = Clock::now() + config_.migration.snapshot_every;
  Clock::time_point drain_deadline = Clock::time_point::max();
  for (;;) {
    Clock::time_point now = Clock::now();
    bool stopping;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping = stopping_;
    }
    // Draining is bounded: stages that keep feeding each other cannot hold
    // the shutdown up.
    if (stopping && drain_deadline == Clock::time_point::max()) drain_deadline = now + config_.shutdown_timeout;
    if (stopping && now >= drain_deadline) break;
    if (!stopping) {
      run_commands();
      run_ota_installs();
    }
    bool busy = false;
    for (auto& slot_ptr : slots_) {
      StageSlot& slot = *slot_ptr;
      if (slot.placement != StageSlot::Placement::kHere) continue;  // being adopted, or moved away
      if (!slot.runtime) {
        if (stopping || slot.stopped || now < slot.restart_at) continue;
        std::string why;
        {
          std::lock_guard<std::mutex> lock(stats_mutex_);
          ++slot.stats.restarts;
        }
        if (!load_stage(slot, &why)) fail_stage(slot, kInitFailed, why);
        continue;
      }
      if (!stopping && slot.settings.tick && now >= slot.next_tick) {
        // A late tick is not made up for: the next one is an interval from now.
        slot.next_tick = std::max(slot.next_tick + *slot.settings.tick, now);
        uint64_t before = refusals(slot.runtime->host().counters());
        host::CallResult r = slot.runtime->tick(slot.services.monotonic_us());
        {
          std::lock_guard<std::mutex> lock(stats_mutex_);
          ++slot.stats.ticks;
        }
        after_call(slot, r, before);
        busy = true;
        if (!slot.runtime) continue;
      }
      if (deliver_queued(slot)) busy = true;
      if (slot.probation && now >= slot.probation->until) confirm_update(slot);
    }
    if (!stopping && bus_ && now >= next_heartbeat) {
      heartbeat();
      next_heartbeat = now + config_.heartbeat;
    }
    if (!stopping && bus_ && config_.migration.snapshot_every.count() > 0 && now >= next_snapshot) {
      publish_snapshots();  // for the placement service (docs/migration.md)
      next_snapshot = now + config_.migration.snapshot_every;
    }
    if (!stopping && store_ && config_.ingest.storage.retention_ms > 0 && now >= next_retention) {
      adapters::apply_retention(*store_, config_.ingest.storage, wall_clock_ms());
      next_retention = now + config_.ingest.retention_every;
    }
    if (busy) continue;
    std::unique_lock<std::mutex> lock(mutex_);
    if (stopping_) {
      bool empty = true;
      for (auto& slot : slots_)
        empty = empty && (slot->queue.empty() || !slot->runtime || slot->placement != StageSlot::Placement::kHere);
      if (empty) break;  // drained (a stage waiting to restart keeps its queue)
      continue;
    }
    // Sleep until the next tick, restart or heartbeat, or until a message.
    Clock::time_point until = now + milliseconds(200);
    if (!pending_commands_.empty() || !pending_installs_.empty()) until = now;
    for (auto& slot : slots_) {
      if (slot->placement != StageSlot::Placement::kHere) continue;
      if (!slot->runtime && !slot->stopped) until = std::min(until, slot->restart_at);
      else if (slot->settings.tick) until = std::min(until, slot->next_tick);
      if (!slot->queue.empty() && slot->runtime) until = now;
    }
    if (bus_) until = std::min(until, next_heartbeat);
    wake_.wait_until(lock, until);
  }
}

void Agent::Impl::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    stopping_ = true;
  }
  wake_.notify_all();
  if (loop_.joinable()) loop_.join();
  run_after_reply();  // records of the last commands
  save_adopted_on_stop();  // restored at the next start (docs/migration.md "Across restarts")
  for (auto& slot : slots_) {
    if (slot->placement != StageSlot::Placement::kHere) continue;  // its state is the other node's now
    if (slot->runtime) slot->kv = slot->runtime->host().kv().entries();
    if (!write_kv_file(kv_path(slot->settings.name), slot->kv))
      std::fprintf(stderr, "%s/%s: cannot save the KV state\n", config_.id.c_str(), slot->settings.name.c_str());
  }
  if (bus_) {
    // Flush: wait (bounded) until the broker acknowledged everything stored.
    sender_->flush_posted();
    Clock::time_point deadline = Clock::now() + config_.shutdown_timeout;
    while (outbox_->size() > 0 && bus_->connected() && Clock::now() < deadline) {
      sender_->pump();
      std::this_thread::sleep_for(milliseconds(20));
    }
    bus_->set_message_handler({});
    if (ingest_) ingest_->flush();  // its writer thread calls http_ (on_stored)
    placement_.reset();  // it calls nodes over the bus
    bus_->set_connection_handler({});  // it reaches ota_receiver_
    ota_receiver_.reset();  // its retry thread publishes on the bus
    http_ready_.store(false, std::memory_order_release);
    http_.reset();  // before ingest_, which its handlers read
    registry_.reset();
    bus_->stop();  // DISCONNECT with Will: the broker publishes "offline"
    ingest_.reset();
    sender_.reset();
  }
}

std::unique_ptr<Agent> Agent::start(NodeConfig config, std::string* error) {
  auto impl = std::make_unique<Impl>(std::move(config));
  if (!impl->open(error)) {
    impl->stop();
    return nullptr;
  }
  return std::unique_ptr<Agent>(new Agent(std::move(impl)));
}

Agent::Agent(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Agent::~Agent() { stop(); }
void Agent::stop() { impl_->stop(); }
AgentStats Agent::stats() { return impl_->stats(); }
const NodeConfig& Agent::config() const { return impl_->config(); }

}  // namespace continuum::node::agent
