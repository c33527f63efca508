#include "report.h"

#include "continuum/node/version.h"

namespace continuum::node::agent {

using nlohmann::json;

json build_report(const ReportInputs& in) {
  const AgentStats& s = in.stats;
  Heartbeat hb;
  hb.ts_ms = in.ts_ms;
  hb.agent_uptime_s = in.uptime_s;
  hb.load = in.load;
  hb.stages = s.stages.size();
  hb.outbox_depth = s.outbox_depth;
  hb.outbox_overflow = s.outbox_overflow;
  json j = json::parse(encode_heartbeat(in.node, hb));
  j["tier"] = in.tier;
  j["engine"] = kEngineName;
  j["version"] = kVersion;
  j["devices"] = in.devices;
  j["connected"] = s.connected;
  j["window_s"] = s.window_s;
  j["published"] = s.published;
  j["published_per_s"] = s.published_per_s;
  if (in.process) {
    j["process"] = {{"cpu_s", in.process->cpu_s},
                    {"max_rss_kb", in.process->max_rss_kb},
                    {"cpu_percent", in.cpu_percent},
                    {"rss_kb", in.process->rss_kb}};
  }
  json stages = json::object();
  for (const StageStats& st : s.stages) {
    stages[st.name] = {{"state", st.state},
                       {"delivered", st.delivered},
                       {"emitted", st.emitted},
                       {"in_per_s", st.in_per_s},
                       {"out_per_s", st.out_per_s},
                       {"ticks", st.ticks},
                       {"queue", st.queue_depth},
                       {"dropped", st.dropped},
                       {"traps", st.traps},
                       {"out_of_fuel", st.out_of_fuel},
                       {"refusal_storms", st.refusal_storms},
                       {"refused", st.refused},
                       {"handler_errors", st.handler_errors},
                       {"restarts", st.restarts},
                       {"rollbacks", st.rollbacks},
                       {"backoff_ms", st.backoff_ms},
                       {"fuel_used", st.fuel_used}};
    if (!st.publisher.empty()) stages[st.name]["publisher"] = st.publisher;
    if (!st.moved_to.empty()) stages[st.name]["moved_to"] = st.moved_to;

    if (!st.inputs.empty()) stages[st.name]["inputs"] = st.inputs;
    if (!st.grants.empty()) stages[st.name]["grants"] = st.grants;
    stages[st.name]["publish"] = st.publish;
    if (!st.module_version.empty()) stages[st.name]["module_version"] = st.module_version;
    if (!st.module_name.empty()) stages[st.name]["module_name"] = st.module_name;
    if (!st.module_sha256.empty()) stages[st.name]["module_sha256"] = st.module_sha256;
    if (!st.last_rollback.empty()) stages[st.name]["last_rollback"] = st.last_rollback;
  }
  j["stage_stats"] = std::move(stages);
  if (in.ingest)
    j["ingest"] = {{"stored", s.ingest_stored}, {"duplicates", s.ingest_duplicates}, {"rejected", s.ingest_rejected}};
  if (!in.commands.is_null()) j["commands"] = in.commands;
  return j;
}

}  // namespace continuum::node::agent
