// Moves across restarts (docs/migration.md "Across restarts"): what the
// agent writes to its StageRecords (stage_records.h) when a stage moves in
// or away, the snapshots of adopted stages (at a clean stop, and with
// [migration] snapshot_every), and how open() brings it all back: a
// configured stage that moved away is not run, an adopted one runs again
// from its last snapshot.
#include <cstdio>
#include <mutex>

#include "agent_impl.h"
#include "continuum/node/wall_clock.h"
#include "continuum/ota/bytes.h"
#include "migration_wire.h"
#include "whole_file.h"

namespace continuum::node::agent {

// A stage of this node's config (else adopted by a move, or placed here by
// the cloud, through add_adopted_slot).
bool Agent::Impl::is_configured(const StageSlot& slot) const {
  for (const StageSettings& s : config_.stages)
    if (&s == &slot.settings) return true;
  return false;
}

// The hex SHA-256 of a wasm module file; "" for a native build (not kept,
// run from its own path); nullopt when the file cannot be read.
std::optional<std::string> Agent::Impl::module_digest(const std::string& path) const {
  std::optional<std::string> bytes = read_whole_file(path);
  if (!bytes) return std::nullopt;
  if (bytes->compare(0, 4, std::string_view("\0asm", 4)) != 0) return std::string();
  return ota::to_hex(crypto_->sha256(*bytes));
}

// Loop thread, after each command's reply went out (run_commands) and at
// the stop: the record writes remember_adopted deferred.
void Agent::Impl::run_after_reply() {
  std::vector<std::function<void()>> work;
  work.swap(after_reply_);
  for (auto& w : work) w();
}

// The target, once a stage runs here (commit of a move, or a stage placed
// here fresh): a configured stage back home clears its moved-away record;
// any other is recorded as adopted, with the snapshot it arrived with (EMPTY
// when none), which a crash before the next snapshot falls back to. Written
// once the command's reply is out (two fsyncs would otherwise count in the
// move's unavailability); should the node die in between, it does not bring
// the stage back.
void Agent::Impl::remember_adopted(StageSlot& slot, const std::string& from, const std::string& snapshot,
                                   const std::map<std::string, uint64_t, std::less<>>& covered) {
  after_reply_.push_back([this, &slot, from, snapshot, covered] { write_adopted_record(slot, from, snapshot, covered); });
}

void Agent::Impl::write_adopted_record(StageSlot& slot, const std::string& from, const std::string& snapshot,
                                       const std::map<std::string, uint64_t, std::less<>>& covered) {
  const std::string& stage = slot.settings.name;
  if (is_configured(slot)) {
    records_.forget(stage);  // home again: the configured stage runs here after a restart
    return;
  }
  if (slot.placement != StageSlot::Placement::kHere) return;  // moved on already (remember_moved_away forgot it)
  StageRecord r;
  r.stage = stage;
  r.kind = StageRecord::Kind::kAdopted;
  r.at_ms = wall_clock_ms();
  r.from = from;
  r.publisher = slot.publisher;
  r.settings = stage_settings_json(slot.settings);
  r.module = slot.module;
  std::string error;
  std::optional<std::string> digest = module_digest(slot.module);
  bool recorded = false;
  if (!digest) {
    error = "cannot read its module " + slot.module;
  } else {
    r.module_sha256 = *digest;
    if (snapshot.empty()) {
      recorded = records_.put(r, &error);
    } else {
      r.snapshot = StageRecord::Snapshot{wall_clock_ms(), false, slot.seq.peek(), covered};
      recorded = records_.save_snapshot(r, std::vector<uint8_t>(snapshot.begin(), snapshot.end()), &error);
    }
  }
  if (!recorded)
    std::fprintf(stderr, "%s/%s: the adoption is not recorded, a restart of this node would lose the stage: %s\n",
                 config_.id.c_str(), stage.c_str(), error.c_str());
  // Its KV state as it arrived: what a start without any snapshot begins with.
  if (slot.runtime && !write_kv_file(kv_path(stage), slot.runtime->host().kv().entries()))
    std::fprintf(stderr, "%s/%s: cannot save the KV state\n", config_.id.c_str(), stage.c_str());
}

// The stage runs on NODE now: a configured stage is not run here after a
// restart either; an adopted one is forgotten (this node has no config of it).
void Agent::Impl::remember_moved_away(StageSlot& slot, const std::string& node) {
  const std::string& stage = slot.settings.name;
  if (!is_configured(slot)) {
    records_.forget(stage);
    return;
  }
  StageRecord r;
  r.stage = stage;
  r.kind = StageRecord::Kind::kMovedAway;
  r.at_ms = wall_clock_ms();
  r.to = node;
  std::string error;
  if (!records_.put(r, &error))
    std::fprintf(stderr, "%s/%s: the move to %s is not recorded, a restart of this node would run the stage again: %s\n",
                 config_.id.c_str(), stage.c_str(), node.c_str(), error.c_str());
}

// An adopted stage's snapshot SNAPSHOT of the instance of MODULE, kept for
// the next start (CLEAN: taken at a clean stop).
void Agent::Impl::save_adopted_snapshot(StageSlot& slot, const std::string& module,
                                        const std::vector<uint8_t>& snapshot,
                                        const std::map<std::string, uint64_t, std::less<>>& covered, bool clean) {
  const std::string& stage = slot.settings.name;
  std::string error;
  std::optional<StageRecord> r = records_.get(stage, &error);
  if (r && r->kind == StageRecord::Kind::kAdopted) {
    std::optional<std::string> digest = module_digest(module);
    if (digest) {
      r->module = module;  // an update confirmed since the adoption runs from its own file
      r->module_sha256 = *digest;
      r->snapshot = StageRecord::Snapshot{wall_clock_ms(), clean, slot.seq.peek(), covered};
      if (records_.save_snapshot(*r, snapshot, &error)) return;
    } else {
      error = "cannot read its module " + module;
    }
  } else if (error.empty()) {
    error = "no record of its adoption";
  }
  std::fprintf(stderr, "%s/%s: its snapshot is not kept for the next start: %s\n", config_.id.c_str(), stage.c_str(),
               error.c_str());
}

// At a clean stop, once the loop drained the queues: every adopted stage's
// snapshot (what is left in its queue goes along as pending inputs). A stage
// on probation is saved as its previous version (as at the swap), the
// version a configured stage comes back on after a stop during probation.
void Agent::Impl::save_adopted_on_stop() {
  for (auto& slot_ptr : slots_) {
    StageSlot& slot = *slot_ptr;
    if (slot.placement != StageSlot::Placement::kHere || is_configured(slot)) continue;
    host::StageRuntime* runtime = slot.probation ? slot.probation->previous.get() : slot.runtime.get();
    if (!runtime) continue;  // stopped or waiting to restart: the KV file and the last snapshot stay
    const std::string& module = slot.probation ? slot.probation->previous_module : slot.module;
    std::deque<Delivery> queued;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queued = slot.queue;
    }
    std::vector<host::PendingInput> pending;
    std::map<std::string, uint64_t, std::less<>> covered;
    pending_and_covered(slot, queued, &pending, &covered);
    std::vector<uint8_t> snapshot;
    std::string why;
    if (!runtime->snapshot(pending, &snapshot, &why)) {
      std::fprintf(stderr, "%s/%s: cannot snapshot it at the stop (%s): the next start restores an older snapshot "
                   "or starts it fresh with its KV state\n", config_.id.c_str(), slot.settings.name.c_str(), why.c_str());
      continue;
    }
    save_adopted_snapshot(slot, module, snapshot, covered, /*clean=*/true);
  }
}

// At open(), once the configured stages have their slots and before the bus
// connects: the records say which configured stages run elsewhere and which
// adopted stages run here (their slots are added; start_restored loads them).
void Agent::Impl::bring_back_moves() {
  std::vector<std::string> problems;
  std::vector<StageRecord> records = records_.all(&problems);
  for (const std::string& p : problems)
    std::fprintf(stderr, "%s: a stage record cannot be used (left in place): %s\n", config_.id.c_str(), p.c_str());
  for (StageRecord& r : records) {
    StageSlot* slot = find_slot(r.stage);
    if (r.kind == StageRecord::Kind::kMovedAway) {
      if (!slot) {
        std::fprintf(stderr, "%s: stage %s, recorded as moved to %s, is not in the config any more: record dropped\n",
                     config_.id.c_str(), r.stage.c_str(), r.to.c_str());
        records_.forget(r.stage);
        continue;
      }
      slot->placement = StageSlot::Placement::kMovedAway;
      slot->moved_to = r.to;
      slot->stats.state = "moved";
      slot->stats.moved_to = r.to;
      std::fprintf(stderr, "%s/%s: moved to %s before this start: not run here (move it back to run it here)\n",
                   config_.id.c_str(), r.stage.c_str(), r.to.c_str());
      continue;
    }
    auto refuse = [&](const std::string& why) {
      std::fprintf(stderr, "%s/%s: error: the stage adopted from %s is not brought back: %s (record %s left in place)\n",
                   config_.id.c_str(), r.stage.c_str(), r.from.c_str(), why.c_str(),
                   records_.record_path(r.stage).c_str());
    };
    if (slot) {
      refuse("the config names a stage of that name too, which runs instead");
      continue;
    }
    std::string why;
    std::optional<StageSettings> settings = stage_settings_from_json(r.settings, &why);
    if (!settings) {
      refuse("its settings: " + why);
      continue;
    }
    if (std::optional<std::string> digest = module_digest(r.module); !digest || *digest != r.module_sha256) {
      refuse("its module " + r.module + (digest ? " is not the one adopted (SHA-256 differs)" : " cannot be read"));
      continue;
    }
    settings->module = r.module;
    StageSlot& adopted = add_adopted_slot(*settings);
    adopted.module = r.module;
    adopted.publisher = adopted.stats.publisher = r.publisher;
    adopted.placement = StageSlot::Placement::kHere;
    adopted.stats.state = "starting";
    read_kv_file(kv_path(r.stage), &adopted.kv);
    restoring_[r.stage] = std::move(r);
  }
}

// open(): an adopted stage brought back by bring_back_moves starts from its
// last snapshot (the clean stop's, else the last periodic one, else fresh
// with its KV state, saying which). False when SLOT is not one of them.
bool Agent::Impl::start_restored(StageSlot& slot) {
  auto it = restoring_.find(slot.settings.name);
  if (it == restoring_.end()) return false;
  const StageRecord r = std::move(it->second);
  restoring_.erase(it);
  const std::string& stage = r.stage;
  // Numbers taken before the stop are never reused, even should the seq
  // file have lost its last writes.
  if (r.snapshot && slot.seq.peek() < r.snapshot->next_seq) slot.seq.continue_from(r.snapshot->next_seq);
  std::optional<std::string> bytes = r.snapshot ? records_.snapshot_bytes(stage) : std::nullopt;
  std::string fallback = "no snapshot of it was kept";
  if (bytes) {
    std::string why;
    std::unique_ptr<host::StageRuntime> runtime = make_runtime(slot, slot.module, &why);
    std::vector<host::PendingInput> pending;
    if (runtime &&
        runtime->restore(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size(), &pending, &why)) {
      slot.runtime = std::move(runtime);
      slot.last_handled = r.snapshot->covered;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        const int64_t now = wall_clock_ms();
        for (auto p = pending.rbegin(); p != pending.rend(); ++p)
          slot.queue.push_front(Delivery{p->port, std::string(p->payload.begin(), p->payload.end()), now, std::nullopt, "", 0});
      }
      slot.up_since = Clock::now();
      if (slot.settings.tick) slot.next_tick = Clock::now() + *slot.settings.tick;
      note_version(slot);
      slot.stats.state = "running";
      const double age_s = static_cast<double>(wall_clock_ms() - r.snapshot->taken_ms) / 1000.0;
      if (r.snapshot->clean)
        std::fprintf(stderr, "%s/%s: adopted from %s, back from the snapshot saved at the last stop (%zu pending "
                     "inputs; outputs continue at seq %llu as %s)\n", config_.id.c_str(), stage.c_str(),
                     r.from.c_str(), pending.size(), static_cast<unsigned long long>(slot.seq.peek()),
                     slot.publisher.c_str());
      else
        std::fprintf(stderr, "%s/%s: adopted from %s; the node did not stop cleanly: back from its last periodic "
                     "snapshot, %.1f s old (what it handled after that is lost to its state; outputs continue at seq "
                     "%llu as %s)\n", config_.id.c_str(), stage.c_str(), r.from.c_str(), age_s,
                     static_cast<unsigned long long>(slot.seq.peek()), slot.publisher.c_str());
      return true;
    }
    fallback = "its snapshot cannot be restored (" + why + ")";
  }
  std::fprintf(stderr, "%s/%s: adopted from %s; %s: it starts fresh with its KV state\n", config_.id.c_str(),
               stage.c_str(), r.from.c_str(), fallback.c_str());
  std::string error;
  if (!load_stage(slot, &error)) fail_stage(slot, kInitFailed, error);  // the supervisor retries
  return true;
}

}  // namespace continuum::node::agent
