// Live migration of a stage between nodes (docs/migration.md): the source's
// stage.migrate drives the move, the target's stage.adopt takes it in two
// steps. Both run on the agent's loop thread (commands run between two
// deliveries), so the stage is paused exactly between two messages.
//
//   source                                   target
//   stage.migrate {stage, to}
//     --- stage.adopt prepare -------------> load the module (or its native
//         (settings, module bytes)           build), subscribe to the inputs,
//                                            queue what arrives, not run yet
//     <-- ok {form} ------------------------
//   pause: take the queue (pending inputs),
//   snapshot (instance, KV, pending), seq,
//   last input handled per upstream
//     --- stage.adopt commit --------------> restore, drop queued inputs the
//         (snapshot, next_seq, covered)      source handled or carried, put the
//                                            pending ones first, resume
//     <-- ok ------------------------------
//   unload; inputs dropped from now on
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "whole_file.h"
#include "agent_impl.h"
#include "migration_wire.h"
#include "placement_policy.h"
#include "continuum/node/wall_clock.h"

namespace continuum::node::agent {

using nlohmann::json;
using std::chrono::milliseconds;

namespace {

double ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

bool is_wasm(const std::string& bytes) { return bytes.compare(0, 4, std::string_view("\0asm", 4)) == 0; }

bool valid_node_id(const std::string& id) { return !id.empty() && id.find_first_of("/+#") == std::string::npos; }

}  // namespace

// ---- Requests to another node (the source's side) ----

void Agent::Impl::on_migration_reply(const Message& m) {
  json reply = json::parse(m.payload, nullptr, false);
  if (!reply.is_object() || !reply.contains("id") || !reply["id"].is_string()) return;
  {
    std::lock_guard<std::mutex> lock(calls_mutex_);
    // Late answers to requests that timed out are never collected: bounded.
    if (call_replies_.size() > 64) call_replies_.clear();
    std::string id = reply["id"].get<std::string>();
    call_replies_[id] = std::move(reply);
  }
  calls_changed_.notify_all();
}

// Sends CMD to NODE and waits (bounded by [migration] timeout) for its
// answer: the reply's "result", or nullopt with *error.
std::optional<json> Agent::Impl::call_node(const std::string& node, const std::string& cmd, const json& args,
                                           std::string* error, Millis timeout) {
  if (timeout.count() <= 0) timeout = config_.migration.timeout;
  // Unique across restarts of this node too: the target remembers replies by id.
  const std::string id = config_.id + "-move-" + std::to_string(wall_clock_ms()) + "-" + std::to_string(++next_call_);
  json request = {{"id", id}, {"cmd", cmd}, {"args", args}, {"reply_to", migration_reply_topic()}};
  std::string payload = request.dump();
  if (payload.size() > config_.mqtt.max_payload) {
    *error = cmd + " to node " + node + " would be " + std::to_string(payload.size()) +
             " bytes, more than [mqtt] max_payload (" + std::to_string(config_.mqtt.max_payload) +
             "): raise max_payload on both nodes";
    return std::nullopt;
  }
  int token = 0;
  if (Status s = bus_->publish(topics::command(node), payload, 1, false, &token); !s) {
    *error = "cannot send " + cmd + " to node " + node + ": " + s.message;
    return std::nullopt;
  }
  std::unique_lock<std::mutex> lock(calls_mutex_);
  bool answered = calls_changed_.wait_for(lock, timeout, [&] { return call_replies_.count(id) > 0; });
  if (!answered) {
    *error = "node " + node + " did not answer " + cmd + " within " + std::to_string(timeout.count()) +
             " ms (offline, unknown, or busy?)";
    return std::nullopt;
  }
  json reply = std::move(call_replies_[id]);
  call_replies_.erase(id);
  if (!reply.value("ok", false)) {
    *error = "node " + node + " refused: " + (reply.contains("error") && reply["error"].is_string()
                                                  ? reply["error"].get<std::string>()
                                                  : reply.dump());
    return std::nullopt;
  }
  return reply.contains("result") ? reply["result"] : json::object();
}

// ---- What a stage takes to another node ----

// Its settings there: in-process inputs become the MQTT topics their
// producers publish (refused when one does not publish that port).
bool Agent::Impl::settings_for_elsewhere(const StageSlot& slot, StageSettings* out, std::string* error) {
  *out = slot.settings;
  for (auto& [port, sources] : out->inputs) {
    for (SourceSettings& src : sources) {
      if (src.remote) continue;
      StageSlot* upstream = find_slot(src.stage);
      if (!upstream || !publishes(*upstream, src.port)) {
        *error = "stage " + slot.settings.name + "'s input " + port + " comes from " + src.text +
                 " in process, which is not published to MQTT (publish of stage " + src.stage +
                 "); the target could not receive it";
        return false;
      }
      src = SourceSettings{src.text, true, upstream->publisher, src.stage, src.port};
    }
  }
  return true;
}

// Its module as base64; "" for a native build (the target needs its own,
// [migration] native); nullopt and *error when it cannot be read.
std::optional<std::string> Agent::Impl::module_for_elsewhere(const StageSlot& slot, std::string* error) {
  std::optional<std::string> module = read_whole_file(slot.module);
  if (!module) {
    *error = "cannot read the module " + slot.module + " to send it along";
    return std::nullopt;
  }
  return is_wasm(*module) ? base64_encode(*module) : std::string();
}

// QUEUED as pending inputs, and per upstream publisher the highest seq the
// stage handled or carries along.
void Agent::Impl::pending_and_covered(const StageSlot& slot, const std::deque<Delivery>& queued,
                                      std::vector<host::PendingInput>* pending,
                                      std::map<std::string, uint64_t, std::less<>>* covered) {
  *covered = slot.last_handled;
  for (const Delivery& d : queued) {
    pending->push_back({d.port, std::vector<uint8_t>(d.payload.begin(), d.payload.end())});
    if (!d.source.empty()) (*covered)[d.source] = std::max((*covered)[d.source], d.seq);
  }
}

// The first grant that needs a device of this node ("sensor:soil-1"), or "".
static std::string device_grant(const StageSettings& settings) {
  for (const std::string& grant : settings.grants)
    if (is_device_grant(grant)) return grant;
  return "";
}

// [migration] snapshot_every: each stage's last snapshot, retained on
// ctm/v1/<node>/snapshot/<stage>, for the placement service to restart it
// elsewhere should this node die (docs/migration.md "Placement"). A stage
// bound to local devices gets a record saying so instead.
void Agent::Impl::publish_snapshots() {
  for (auto& slot_ptr : slots_) {
    StageSlot& slot = *slot_ptr;
    if (slot.placement != StageSlot::Placement::kHere || !slot.runtime || slot.probation) continue;
    const std::string& stage = slot.settings.name;
    json doc = {{"stage", stage},
                {"node", config_.id},
                {"tier", config_.tier},
                {"publisher", slot.publisher},
                {"ts_ms", wall_clock_ms()},
                {"grants", slot.settings.grants}};
    std::string why;
    StageSettings wire;
    std::optional<std::string> module;
    if (std::string bound = device_grant(slot.settings); !bound.empty()) {
      doc["device_bound"] = bound;
    } else if (!settings_for_elsewhere(slot, &wire, &why) || !(module = module_for_elsewhere(slot, &why))) {
      doc["not_movable"] = why;
    } else {
      std::deque<Delivery> queued;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        queued = slot.queue;  // a copy: the stage keeps running
      }
      std::vector<host::PendingInput> pending;
      std::map<std::string, uint64_t, std::less<>> covered;
      pending_and_covered(slot, queued, &pending, &covered);
      std::vector<uint8_t> snapshot;
      if (!slot.runtime->snapshot(pending, &snapshot, &why)) {
        doc["not_movable"] = "cannot snapshot: " + why;
      } else {
        // Also kept locally: an adopted stage comes back from it after a crash.
        if (!is_configured(slot)) save_adopted_snapshot(slot, slot.module, snapshot, covered, /*clean=*/false);
        doc["settings"] = stage_settings_json(wire);
        if (!module->empty()) doc["module"] = *module;
        doc["snapshot"] =
            base64_encode(std::string_view(reinterpret_cast<const char*>(snapshot.data()), snapshot.size()));
        doc["next_seq"] = slot.seq.peek();
        doc["covered"] = covered_json(covered);
      }
    }
    std::string payload = doc.dump();
    if (payload.size() > config_.mqtt.max_payload) {
      doc = {{"stage", stage}, {"node", config_.id}, {"tier", config_.tier}, {"ts_ms", wall_clock_ms()},
             {"not_movable", "its snapshot (" + std::to_string(payload.size()) + " bytes) exceeds [mqtt] max_payload"}};
      payload = doc.dump();
    }
    int token = 0;
    bus_->publish(topics::stage_snapshot(config_.id, stage), payload, 1, true, &token);
  }
}

// ---- stage.migrate (the source) ----

bool Agent::Impl::migrate_stage(const std::string& stage, const std::string& to, json* result, std::string* error) {
  StageSlot& slot = *find_slot(stage);
  if (!valid_node_id(to)) {
    *error = "\"to\": expected a node id (no '/', '+' or '#'), got \"" + to + "\"";
    return false;
  }
  if (to == config_.id) {
    *error = "stage " + stage + " already runs on node " + to;
    return false;
  }
  if (slot.placement == StageSlot::Placement::kMovedAway) {
    *error = "stage " + stage + " does not run on node " + config_.id + " any more (moved to " + slot.moved_to +
             "); ask that node";
    return false;
  }
  if (slot.placement == StageSlot::Placement::kAdopting) {
    *error = "stage " + stage + " is being moved to this node; try again once it runs here";
    return false;
  }
  if (!slot.runtime) {
    *error = "stage " + stage + " is not running (stopped or waiting to restart); start it first";
    return false;
  }
  if (slot.probation) {
    *error = "stage " + stage + " is on probation after an update; move it once the update is confirmed";
    return false;
  }
  // In-process wires cannot follow: a local consumer would lose the output,
  // and a local producer must publish what the target then subscribes to.
  for (const auto& [from, receivers] : local_routes_) {
    if (from.first != stage) continue;
    for (const auto& [receiver, input] : receivers)
      if (slots_[receiver]->placement == StageSlot::Placement::kHere)
        *error = "stage " + stage + " feeds stage " + slots_[receiver]->settings.name + " on this node in process (" +
                 from.first + "." + from.second + " -> " + input + "); that wire cannot follow a move";
  }
  if (!error->empty()) return false;
  StageSettings wire;
  std::optional<std::string> module;
  if (!settings_for_elsewhere(slot, &wire, error) || !(module = module_for_elsewhere(slot, error))) return false;
  json prepare = {{"phase", "prepare"},         {"stage", stage},
                  {"from", config_.id},        {"publisher", slot.publisher},
                  {"settings", stage_settings_json(wire)}};
  if (!module->empty()) prepare["module"] = *module;
  std::fprintf(stderr, "%s/%s: moving to %s\n", config_.id.c_str(), stage.c_str(), to.c_str());

  // Until the commit this thread waits, so no stage of this node handles a
  // message: the whole command counts as the stage's unavailability.
  const Clock::time_point started = Clock::now();
  std::optional<json> prepared = call_node(to, "stage.adopt", prepare, error);
  if (!prepared) return false;
  const bool module_state = prepared->value("form", "instance") == "state";

  // The pause, between two deliveries: what is queued goes along.
  const Clock::time_point paused = Clock::now();
  std::deque<Delivery> queued;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queued.swap(slot.queue);
  }
  std::vector<host::PendingInput> pending;
  std::map<std::string, uint64_t, std::less<>> covered;
  pending_and_covered(slot, queued, &pending, &covered);
  auto resume_here = [&](const std::string& why) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto it = queued.rbegin(); it != queued.rend(); ++it) slot.queue.push_front(std::move(*it));
    }
    std::string ignored;
    call_node(to, "stage.adopt", {{"phase", "abort"}, {"stage", stage}, {"from", config_.id}}, &ignored);
    *error = why + "; the stage keeps running on " + config_.id;
    std::fprintf(stderr, "%s/%s: move to %s failed: %s\n", config_.id.c_str(), stage.c_str(), to.c_str(),
                 error->c_str());
    return false;
  };
  std::vector<uint8_t> snapshot;
  std::string why;
  if (!slot.runtime->snapshot(pending, &snapshot, &why, module_state)) return resume_here("cannot snapshot: " + why);
  const Clock::time_point snapshotted = Clock::now();
  json commit = {{"phase", "commit"},
                 {"stage", stage},
                 {"from", config_.id},
                 {"publisher", slot.publisher},
                 {"snapshot", base64_encode(std::string_view(reinterpret_cast<const char*>(snapshot.data()),
                                                             snapshot.size()))},
                 {"next_seq", slot.seq.peek()},
                 {"covered", covered_json(covered)}};
  std::optional<json> committed = call_node(to, "stage.adopt", commit, &why);
  if (!committed) return resume_here(why);
  const Clock::time_point resumed = Clock::now();

  // It runs on the target: this node keeps the slot (a move back reuses it)
  // but neither runs it nor queues its inputs; what arrived after the pause
  // the target has too (docs/migration.md).
  carry_counters(slot, *slot.runtime);
  set_moved_away(slot, to);
  if (config_.migration.snapshot_every.count() > 0) {
    int token = 0;  // this node's last snapshot of it is stale now: cleared (retained, empty)
    bus_->publish(topics::stage_snapshot(config_.id, stage), "", 1, true, &token);
  }
  const double unavailable_ms = ms_between(started, resumed);
  std::fprintf(stderr, "%s/%s: moved to %s (unavailable %.1f ms, snapshot %zu bytes, %zu pending inputs)\n",
               config_.id.c_str(), stage.c_str(), to.c_str(), unavailable_ms, snapshot.size(), pending.size());
  *result = {{"stage", stage},
             {"from", config_.id},
             {"to", to},
             {"state", "moved"},
             {"publisher", slot.publisher},
             {"form", module_state ? "state" : "instance"},
             {"runtime", prepared->value("runtime", "wasm")},
             {"unavailable_ms", unavailable_ms},
             {"prepare_ms", ms_between(started, paused)},
             {"snapshot_ms", ms_between(paused, snapshotted)},
             {"commit_ms", ms_between(snapshotted, resumed)},
             {"restore_ms", committed->value("restore_ms", 0.0)},
             {"snapshot_bytes", snapshot.size()},
             {"pending_inputs", pending.size()},
             {"next_seq", slot.seq.peek()},
             {"duplicates_dropped", committed->value("duplicates_dropped", 0)}};
  return true;
}

// ---- stage.adopt (the target) ----

bool Agent::Impl::adopt_stage(const json& args, json* result, std::string* error) {
  const std::string phase = args["phase"].get<std::string>();
  if (phase == "prepare") return adopt_prepare(args, result, error);
  if (phase == "commit") return adopt_commit(args, result, error);
  if (phase == "abort") return adopt_abort(args, result, error);
  *error = "\"phase\": expected prepare, commit or abort, got \"" + phase + "\"";
  return false;
}

StageSlot& Agent::Impl::add_adopted_slot(const StageSettings& settings) {
  adopted_settings_.push_back(settings);
  const StageSettings& s = adopted_settings_.back();
  const std::size_t index = slots_.size();
  std::string seq_path = (std::filesystem::path(config_.data_dir) / "seq" / s.name).string();
  auto emit = [this, index](std::string_view port, std::string_view values) { return on_emit(index, port, values); };
  auto slot = std::make_unique<StageSlot>(s, seq_path, emit, epoch_, config_.id);
  slot->stats.name = s.name;
  slot->placement = StageSlot::Placement::kAdopting;  // nothing runs it before the commit
  slot->stats.state = "adopting";
  devices_.attach(slot->routes);
  std::vector<std::string> new_topics;
  {
    std::unique_lock<std::shared_mutex> wiring(wiring_mutex_);
    slots_.push_back(std::move(slot));
    for (const auto& [port, sources] : s.inputs) {
      for (const SourceSettings& src : sources) {
        if (!src.remote) {
          local_routes_[{src.stage, src.port}].push_back({index, port});
          continue;
        }
        std::string topic = topics::data(src.node, src.stage, src.port);
        auto& receivers = remote_routes_[topic];
        if (receivers.empty()) new_topics.push_back(topic);
        receivers.push_back({index, port});
      }
    }
  }
  // Plain ingest already brings every data topic (see open()); at open()
  // (an adopted stage brought back) the bus is not there yet and subscribes
  // to every route once it is.
  if (bus_ && !inputs_via_ingest_)
    for (const std::string& topic : new_topics) bus_->subscribe_tagged(topic, 1, kInputSubscription);
  return *slots_[index];
}

bool Agent::Impl::adopt_prepare(const json& args, json* result, std::string* error) {
  const std::string stage = args["stage"].get<std::string>();
  const std::string from = args["from"].get<std::string>();
  if (!config_.migration.accept) {
    *error = "node " + config_.id + " does not take stages moved to it ([migration] accept = false)";
    return false;
  }
  StageSlot* existing = find_slot(stage);
  if (existing && existing->placement == StageSlot::Placement::kHere) {
    *error = "node " + config_.id + " already runs a stage named " + stage;
    return false;
  }
  if (existing && existing->publisher != args.value("publisher", from)) {
    *error = "node " + config_.id + " has another stage named " + stage + " (published as " + existing->publisher +
             "); stage names must be unique to move";
    return false;
  }
  std::optional<StageSettings> incoming;
  if (!existing) {
    if (!args.contains("settings")) {
      *error = "prepare needs \"settings\" for a stage this node does not know";
      return false;
    }
    if (!(incoming = stage_settings_from_json(args["settings"], error))) return false;
    if (incoming->name != stage) {
      *error = "settings.name \"" + incoming->name + "\" is not the stage \"" + stage + "\"";
      return false;
    }
  }
  // A stage coming back keeps its own settings here (its configured wiring).
  const StageSettings& settings = existing ? existing->settings : *incoming;
  // The target must have every device the stage's grants name (the placement rule's check).
  if (std::string missing = missing_device(settings.grants, device_grants_served(config_.devices)); !missing.empty()) {
    *error = "stage " + stage + " needs " + missing + " (a grant bound to a local device), which node " + config_.id +
             " has no device for ([[devices]])";
    return false;
  }
  // The module: this node's native build of it ([migration] native), or the
  // wasm bytes sent along (kept in <data_dir>/modules like an update).
  std::string path, bytes;
  bool native = false;
  if (auto it = config_.migration.native.find(stage); it != config_.migration.native.end()) {
    path = it->second;
    native = true;
  } else if (args.contains("module")) {
    std::optional<std::string> decoded = base64_decode(args["module"].get<std::string>());
    if (!decoded || !is_wasm(*decoded)) {
      *error = "\"module\": expected the base64 of a .wasm module";
      return false;
    }
    bytes = std::move(*decoded);
    std::optional<StoredModule> stored = modules_.store(stage, bytes, error);
    if (!stored) return false;
    path = stored->path;
  } else {
    *error = "node " + from + " runs a native build of " + stage + " and sent no module; node " + config_.id +
             " needs [migration] native." + stage + " to run it";
    return false;
  }
  StageSlot& slot = existing ? *existing : add_adopted_slot(*incoming);
  std::unique_ptr<host::StageRuntime> runtime = make_runtime(slot, path, error, native ? nullptr : &bytes);
  if (!runtime) {
    set_moved_away(slot, from);  // the stage stays where it is
    return false;
  }
  // Inputs published from now on reach this node; the source pauses only
  // after this answer, so nothing falls between the two.
  if (!inputs_via_ingest_ && !bus_->wait_subscribed(static_cast<int>(config_.migration.timeout.count()))) {
    set_moved_away(slot, from);
    *error = "the broker did not confirm the subscriptions to stage " + stage + "'s inputs";
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    slot.placement = StageSlot::Placement::kAdopting;
    slot.queue.clear();
  }
  slot.runtime = std::move(runtime);
  slot.module = path;
  slot.manifest.reset();
  slot.stopped = false;
  slot.publisher = args.value("publisher", from);
  {
    std::lock_guard<std::mutex> lock(stats_mutex_);
    slot.stats.state = "adopting";
    slot.stats.moved_to.clear();
    slot.stats.publisher = slot.publisher;
  }
  *result = {{"stage", stage}, {"state", "adopting"}, {"form", native ? "state" : "instance"},
             {"runtime", native ? "native" : "wasm"}};
  return true;
}

bool Agent::Impl::adopt_commit(const json& args, json* result, std::string* error) {
  const std::string stage = args["stage"].get<std::string>();
  StageSlot* found = find_slot(stage);
  if (!found || found->placement != StageSlot::Placement::kAdopting || !found->runtime) {
    *error = "no move of stage " + stage + " to node " + config_.id + " is prepared (send phase prepare first)";
    return false;
  }
  StageSlot& slot = *found;
  std::map<std::string, uint64_t, std::less<>> covered;
  if (!args.contains("snapshot") || !args.contains("next_seq") || !args["next_seq"].is_number_unsigned()) {
    *error = "commit needs \"snapshot\" and \"next_seq\" (a non-negative integer)";
    return false;
  }
  if (args.contains("covered") && !covered_from_json(args["covered"], &covered, error)) return false;
  std::optional<std::string> snapshot = base64_decode(args["snapshot"].get<std::string>());
  if (!snapshot) {
    *error = "\"snapshot\": expected base64";
    return false;
  }
  const Clock::time_point started = Clock::now();
  std::vector<host::PendingInput> pending;
  std::string why;
  if (!slot.runtime->restore(reinterpret_cast<const uint8_t*>(snapshot->data()), snapshot->size(), &pending, &why)) {
    set_moved_away(slot, args["from"].get<std::string>());  // unusable after a failed restore; the source keeps it
    *error = "cannot restore the snapshot of " + stage + ": " + why;
    return false;
  }
  slot.seq.continue_from(args["next_seq"].get<uint64_t>());
  slot.last_handled = covered;
  std::size_t duplicates = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Queued since prepare: drop what the source handled or sent along.
    std::deque<Delivery> kept;
    for (Delivery& d : slot.queue) {
      auto c = covered.find(d.source);
      if (!d.source.empty() && c != covered.end() && d.seq <= c->second) ++duplicates;
      else kept.push_back(std::move(d));
    }
    // The source's pending inputs come first, in their order.
    const int64_t now = wall_clock_ms();
    for (auto it = pending.rbegin(); it != pending.rend(); ++it)
      kept.push_front(Delivery{it->port, std::string(it->payload.begin(), it->payload.end()), now, std::nullopt, "", 0});
    slot.queue.swap(kept);
    slot.placement = StageSlot::Placement::kHere;
    slot.moved_to.clear();
  }
  slot.backoff = milliseconds(0);
  slot.up_since = Clock::now();
  if (slot.settings.tick) slot.next_tick = Clock::now() + *slot.settings.tick;
  note_version(slot);
  remember_adopted(slot, args["from"].get<std::string>(), *snapshot, covered);  // survives a restart of this node
  {
    std::lock_guard<std::mutex> lock(stats_mutex_);
    slot.stats.state = "running";
  }
  wake_.notify_one();
  const double restore_ms = ms_between(started, Clock::now());
  std::fprintf(stderr, "%s/%s: adopted from %s (restored in %.1f ms, %zu pending inputs, %zu duplicates dropped)\n",
               config_.id.c_str(), stage.c_str(), args["from"].get<std::string>().c_str(), restore_ms, pending.size(),
               duplicates);
  *result = {{"stage", stage},
             {"state", "running"},
             {"restore_ms", restore_ms},
             {"pending_inputs", pending.size()},
             {"duplicates_dropped", duplicates}};
  return true;
}

bool Agent::Impl::adopt_abort(const json& args, json* result, std::string* error) {
  const std::string stage = args["stage"].get<std::string>();
  StageSlot* slot = find_slot(stage);
  if (slot && slot->placement == StageSlot::Placement::kHere) {
    *error = "stage " + stage + " already runs on node " + config_.id + " (the commit was applied); move it back";
    return false;
  }
  if (slot) set_moved_away(*slot, args["from"].get<std::string>());
  *result = {{"stage", stage}, {"state", "aborted"}};
  return true;
}

// The stage runs on NODE (or stays there): not run, inputs dropped, state gone.
void Agent::Impl::set_moved_away(StageSlot& slot, const std::string& node) {
  slot.runtime.reset();
  slot.kv.clear();
  slot.last_handled.clear();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    slot.placement = StageSlot::Placement::kMovedAway;
    slot.moved_to = node;
    slot.queue.clear();
  }
  {
    std::lock_guard<std::mutex> lock(stats_mutex_);
    slot.stats.state = "moved";
    slot.stats.moved_to = node;
  }
  remember_moved_away(slot, node);  // a restart does not run it here again (stage_persistence.cc)
}

}  // namespace continuum::node::agent
