// A stage's small key-value state, bounded so that one module cannot fill
// the node. In memory for now; the node agent will persist it.
#pragma once

#include <stdint.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace continuum::host {

struct KvLimits {
  uint32_t max_key_bytes = 64;
  uint32_t max_value_bytes = 1024;
  uint32_t max_total_bytes = 16 * 1024;  // keys plus values
};

class KvStore {
 public:
  explicit KvStore(KvLimits limits = {}) : limits_(limits) {}
  // CTM status codes: kOK, kTOO_LARGE (key or value over its limit), kNO_SPACE.
  int32_t put(std::string_view key, const uint8_t* value, uint32_t len);
  const std::vector<uint8_t>* get(std::string_view key) const;
  bool erase(std::string_view key);
  // Empties the store (a restored or handed-over state replaces it whole).
  void clear() {
    map_.clear();
    total_ = 0;
  }
  uint32_t total_bytes() const { return total_; }
  const std::map<std::string, std::vector<uint8_t>, std::less<>>& entries() const { return map_; }

 private:
  KvLimits limits_;
  std::map<std::string, std::vector<uint8_t>, std::less<>> map_;
  uint32_t total_ = 0;
};

}  // namespace continuum::host
