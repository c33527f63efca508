// What each host function does once the binding has admitted the call
// (grant held, pointers checked). Sizes are checked here, so a module gets
// the same answer from the wasm and the native build.
#include "continuum/host/stage_host.h"

#include <math.h>
#include <string.h>

#include <bit>

namespace continuum::host {
namespace {

static_assert(std::endian::native == std::endian::little,
              "guest memory is little-endian; OUT_F64 stores copy bytes as they are");

std::string_view view(const char* p, uint32_t n) { return std::string_view(p, n); }

// Copies VALUE into BUF if it fits: the length, or kTOO_LARGE.
int32_t copy_out(const uint8_t* value, size_t len, uint8_t* buf, uint32_t cap) {
  if (len > cap || len > INT32_MAX) return kTOO_LARGE;
  if (len) memcpy(buf, value, len);
  return static_cast<int32_t>(len);
}

}  // namespace

StageHost::StageHost(StageConfig config, HostDevices& devices)
    : config_(std::move(config)), devices_(devices), kv_(config_.kv) {}

void StageHost::refuse(ImportId id, std::string_view resource, int32_t status) {
  if (status == kNOT_GRANTED) ++counters_.not_granted;
  if (status == kBAD_POINTER) ++counters_.bad_pointer;
  if (status == kUNSAFE) ++counters_.unsafe;
  std::string msg = std::string("refused ") + import_info(id).name;
  if (!resource.empty()) msg += " '" + std::string(resource) + "'";
  msg += ": ";
  msg += status_name(status);
  devices_.log(2, config_.name, msg);
  devices_.refused(config_.name, import_info(id).name, resource, status);
}

int32_t StageHost::admit(ImportId id, std::string_view resource, bool pointers_ok) {
  ++counters_.host_calls;
  // Pointers first: with a bad name pointer there is no name to check the
  // grant against (the binding then passes an empty resource).
  if (!pointers_ok) {
    refuse(id, resource, kBAD_POINTER);
    return kBAD_POINTER;
  }
  if (!config_.grants.allows(import_info(id).grant, resource)) {
    refuse(id, resource, kNOT_GRANTED);
    return kNOT_GRANTED;
  }
  return kOK;
}

void StageHost::begin_cycle() {
  ++cycle_;
  for (const std::string& pump : config_.limits.enforce(devices_.monotonic_us())) {
    ++counters_.forced_off;
    devices_.log(2, config_.name, "safety: " + pump + " reached its maximum on-time, switched off");
    devices_.actuator_set(pump, 0);
  }
}

int32_t StageHost::log(int32_t level, const char* msg, uint32_t msg_len) {
  if (level < 0 || level > 3) return kINVALID;
  if (msg_len > config_.max_log_bytes) return kTOO_LARGE;
  devices_.log(level, config_.name, view(msg, msg_len));
  return kOK;
}

int64_t StageHost::clock_monotonic_us() { return devices_.monotonic_us(); }
int64_t StageHost::clock_wall_ms() { return devices_.wall_ms(); }

int32_t StageHost::sensor_read(const char* name, uint32_t name_len, uint8_t* value) {
  double v = 0;
  int32_t status = devices_.sensor_read(view(name, name_len), &v);
  if (status == kOK) memcpy(value, &v, sizeof v);
  return status;
}

int32_t StageHost::actuator_set(const char* name, uint32_t name_len, double value) {
  if (!isfinite(value)) return kINVALID;
  std::string_view actuator = view(name, name_len);
  if (config_.limits.request(actuator, value, devices_.monotonic_us(), cycle_) ==
      SafetyVerdict::Refuse) {
    refuse(ImportId::actuator_set, actuator, kUNSAFE);
    return kUNSAFE;
  }
  return devices_.actuator_set(actuator, value);
}

int32_t StageHost::serial_read(const char* name, uint32_t name_len, uint8_t* buf, uint32_t cap) {
  return devices_.serial_read(view(name, name_len), buf, cap);
}

int32_t StageHost::serial_write(const char* name, uint32_t name_len, const uint8_t* data,
                                uint32_t len) {
  if (len > INT32_MAX) return kTOO_LARGE;
  return devices_.serial_write(view(name, name_len), data, len);
}

int32_t StageHost::emit(const char* port, uint32_t port_len, const uint8_t* payload,
                        uint32_t payload_len) {
  if (payload_len > config_.max_payload_bytes) return kTOO_LARGE;
  return devices_.emit(view(port, port_len), payload, payload_len);
}

int32_t StageHost::config_get(const char* key, uint32_t key_len, uint8_t* buf, uint32_t cap) {
  auto it = config_.config.find(view(key, key_len));
  if (it == config_.config.end()) return kNOT_FOUND;
  return copy_out(reinterpret_cast<const uint8_t*>(it->second.data()), it->second.size(), buf, cap);
}

int32_t StageHost::kv_get(const char* key, uint32_t key_len, uint8_t* buf, uint32_t cap) {
  const std::vector<uint8_t>* v = kv_.get(view(key, key_len));
  if (v == nullptr) return kNOT_FOUND;
  return copy_out(v->data(), v->size(), buf, cap);
}

int32_t StageHost::kv_put(const char* key, uint32_t key_len, const uint8_t* value,
                          uint32_t value_len) {
  return kv_.put(view(key, key_len), value, value_len);
}

int32_t StageHost::kv_delete(const char* key, uint32_t key_len) {
  return kv_.erase(view(key, key_len)) ? kOK : kNOT_FOUND;
}

int32_t StageHost::random_bytes(uint8_t* buf, uint32_t len) {
  if (len > config_.max_random_bytes) return kTOO_LARGE;
  devices_.random_bytes(buf, len);
  return static_cast<int32_t>(len);
}

}  // namespace continuum::host
