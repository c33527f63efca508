#include "continuum/ota/version_guard.h"

namespace continuum::ota {

GuardDecision VersionGuard::check(const std::string& name, const Semver& candidate,
                                  const std::optional<Semver>& installed, bool allow_downgrade) {
  if (!installed || allow_downgrade) return {true, {}};
  int order = compare_precedence(candidate, *installed);
  if (order > 0) return {true, {}};
  std::string what = order == 0 ? "is already installed" : "is older than the installed " + installed->text();
  return {false, "downgrade refused: " + name + " " + candidate.text() + " " + what +
                     " (an explicit rollback is needed to install it)"};
}

}  // namespace continuum::ota
