// VersionGuard: downgrade protection. An update must carry a version of
// higher semver precedence than the installed one; the same or an older
// version goes in only as an explicit rollback (allow_downgrade), so an
// attacker replaying an old, validly signed module with known bugs is refused.
#pragma once

#include <optional>
#include <string>

#include "continuum/ota/semver.h"

namespace continuum::ota {

struct GuardDecision {
  bool allowed = false;
  std::string reason;  // why it was refused; empty when allowed
};

class VersionGuard {
 public:
  // `installed` is empty when nothing of that name is installed yet.
  static GuardDecision check(const std::string& name, const Semver& candidate,
                             const std::optional<Semver>& installed, bool allow_downgrade);
};

}  // namespace continuum::ota
