// Agent::Impl's reports: the counters (stats), the heartbeat and the
// report behind `continuum cmd NODE stats` (build_report in report.cc).
#include <mutex>
#include <shared_mutex>

#include "continuum/node/topics.h"
#include "continuum/node/wall_clock.h"
#include "agent_impl.h"
#include "report.h"

namespace continuum::node::agent {

nlohmann::json Agent::Impl::stats_report() { return report(); }

nlohmann::json Agent::Impl::report() {
  ReportInputs in;
  in.node = config_.id;
  in.tier = config_.tier;
  in.ts_ms = wall_clock_ms();
  in.uptime_s = std::chrono::duration<double>(Clock::now() - epoch_).count();
  in.stats = stats();
  in.process = read_process_usage();
  if (in.process && cpu_meter_) in.cpu_percent = cpu_meter_->peek(in.process->cpu_s, Clock::now());
  in.load = read_system_load();
  in.ingest = ingest_ != nullptr;
  in.devices = device_grants_served(config_.devices);
  if (commands_) in.commands = commands_->counters_json();
  nlohmann::json j = build_report(in);
  if (inbound_) j["bad_input"] = inbound_->counters_json();
  return j;
}

void Agent::Impl::heartbeat() {
  nlohmann::json j = report();
  // The next heartbeat's cpu_percent covers the period from here.
  std::optional<ProcessUsage> usage = read_process_usage();
  if (usage && cpu_meter_) cpu_meter_->advance(usage->cpu_s, Clock::now());
  int token = 0;
  bus_->publish(topics::heartbeat(config_.id), j.dump(), 0, false, &token);
}

AgentStats Agent::Impl::stats() {
  AgentStats s;
  {
    std::shared_lock<std::shared_mutex> wiring(wiring_mutex_);
    std::lock_guard<std::mutex> lock(mutex_);
    std::lock_guard<std::mutex> stats_lock(stats_mutex_);
    for (auto& slot : slots_) {
      StageStats st = slot->stats;
      st.queue_depth = slot->queue.size();
      st.in_per_s = slot->in_rate.per_second();
      st.out_per_s = slot->out_rate.per_second();
      for (const auto& [port, sources] : slot->settings.inputs)
        for (const SourceSettings& source : sources) st.inputs[port].push_back(source.text);
      st.grants = slot->settings.grants;
      st.publish = slot->settings.publish_all ? std::vector<std::string>{"*"} : slot->settings.publish;
      s.stages.push_back(st);
    }
    s.published = published_;
    s.published_per_s = published_rate_.per_second();
    s.window_s = published_rate_.window_s();
  }
  if (sender_) s.batches_sent = sender_->batches_sent();
  if (outbox_) {
    s.outbox_depth = outbox_->size();
    s.outbox_overflow = outbox_->overflow_count();
  }
  if (bus_) s.connected = bus_->connected();
  if (ingest_) {
    IngestCounters c = ingest_->counters();
    s.ingest_stored = c.stored;
    s.ingest_duplicates = c.duplicates;
    s.ingest_rejected = c.rejected;
  }
  if (inbound_) {
    BadInputCounters c = inbound_->counters();
    s.bad_input_oversized = c.oversized;
    s.bad_input_malformed = c.malformed;
    s.bad_input_bad_batches = c.bad_batches;
  }
  return s;
}

}  // namespace continuum::node::agent
