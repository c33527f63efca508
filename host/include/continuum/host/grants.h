// What a stage may touch: a set of grants parsed from strings such as
// "sensor:soil-1", "emit:readings", "kv", or "actuator:*" (every actuator).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "continuum/host/abi.h"

namespace continuum::host {

struct Grant {
  GrantKind kind = GrantKind::NONE;
  std::string resource;  // empty for unnamed kinds; "*" for every resource
};

// Parses one grant; on failure returns false and sets *error.
bool parse_grant(std::string_view text, Grant* out, std::string* error);
std::string format_grant(const Grant& g);

class GrantSet {
 public:
  GrantSet() = default;
  // Parses every string; stops at the first bad one (false + *error).
  static bool parse(const std::vector<std::string>& texts, GrantSet* out, std::string* error);
  // Every kind, every resource: for replaying a module without a deployment.
  static GrantSet everything();

  void add(Grant g) { grants_.push_back(std::move(g)); }
  // NONE is always allowed; unnamed kinds ignore `resource`.
  bool allows(GrantKind kind, std::string_view resource) const;
  const std::vector<Grant>& grants() const { return grants_; }

 private:
  std::vector<Grant> grants_;
};

}  // namespace continuum::host
