// The host functions of one stage: the semantics behind every entry of the
// interface table, independent of how the module runs. The wasm binding and
// the native binding (host/src/*_binding.cc) translate arguments, check
// pointers and grants, and call these members.
#pragma once

#include <stdint.h>

#include <map>
#include <string>
#include <string_view>

#include "continuum/host/abi.h"
#include "continuum/host/devices.h"
#include "continuum/host/grants.h"
#include "continuum/host/kv_store.h"
#include "continuum/host/safety.h"

namespace continuum::host {

struct StageCounters {
  uint64_t host_calls = 0;
  uint64_t not_granted = 0;   // refused: resource not granted
  uint64_t bad_pointer = 0;   // refused: pointer/length outside guest memory
  uint64_t unsafe = 0;        // refused by a safety limit
  uint64_t forced_off = 0;    // pumps the host switched off itself
  uint64_t handler_errors = 0;  // ctm_init/on_message/on_tick returned < 0
  uint64_t traps = 0;
  uint64_t out_of_fuel = 0;
  uint64_t undelivered = 0;   // messages too large for the module's inbox
};

struct StageConfig {
  std::string name = "stage";
  GrantSet grants;
  SafetyLimits limits;
  std::map<std::string, std::string, std::less<>> config;  // key -> value text
  KvLimits kv;
  uint32_t max_log_bytes = 1024;
  uint32_t max_payload_bytes = 64 * 1024;
  uint32_t max_random_bytes = 256;
};

class StageHost {
 public:
  StageHost(StageConfig config, HostDevices& devices);

  // The host functions, declared from continuum_abi.def; pointer arguments
  // are already checked host pointers.
#define CTM_IMPORT(name, result, grant, n, params, doc) \
  CTM_ABI_CTYPE(result) name(CTM_HOST_PARAM_LIST(n, params));
#include "continuum_abi.def"
#undef CTM_IMPORT

  // Called by the bindings before a host function runs: is the call allowed
  // (grant held, pointers valid)? Returns kOK or the refusal code, having
  // logged and counted a refusal.
  int32_t admit(ImportId id, std::string_view resource, bool pointers_ok);

  // Starts a delivery (init, message or tick): a new safety cycle, and
  // pumps past their on-time are switched off.
  void begin_cycle();

  const std::string& name() const { return config_.name; }
  const StageConfig& config() const { return config_; }
  StageCounters& counters() { return counters_; }
  const StageCounters& counters() const { return counters_; }
  HostDevices& devices() { return devices_; }
  KvStore& kv() { return kv_; }

 private:
  void refuse(ImportId id, std::string_view resource, int32_t status);

  StageConfig config_;
  HostDevices& devices_;
  KvStore kv_;
  StageCounters counters_;
  uint64_t cycle_ = 0;
};

}  // namespace continuum::host
