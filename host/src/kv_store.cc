#include "continuum/host/kv_store.h"

#include "continuum/host/abi.h"

namespace continuum::host {

int32_t KvStore::put(std::string_view key, const uint8_t* value, uint32_t len) {
  if (key.size() > limits_.max_key_bytes || len > limits_.max_value_bytes) return kTOO_LARGE;
  auto it = map_.find(key);
  uint64_t old = it == map_.end() ? 0 : key.size() + it->second.size();
  uint64_t total = uint64_t(total_) - old + key.size() + len;
  if (total > limits_.max_total_bytes) return kNO_SPACE;
  if (it == map_.end()) it = map_.emplace(std::string(key), std::vector<uint8_t>()).first;
  it->second.assign(value, value + len);
  total_ = static_cast<uint32_t>(total);
  return kOK;
}

const std::vector<uint8_t>* KvStore::get(std::string_view key) const {
  auto it = map_.find(key);
  return it == map_.end() ? nullptr : &it->second;
}

bool KvStore::erase(std::string_view key) {
  auto it = map_.find(key);
  if (it == map_.end()) return false;
  total_ -= static_cast<uint32_t>(it->first.size() + it->second.size());
  map_.erase(it);
  return true;
}

}  // namespace continuum::host
