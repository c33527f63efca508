// Semantic versions (semver.org 2.0.0) and their precedence, which is what
// "newer" means for module updates.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace continuum::ota {

struct Semver {
  uint64_t major = 0, minor = 0, patch = 0;
  std::vector<std::string> prerelease;  // dot-separated identifiers after '-'
  std::string build;                    // after '+'; ignored by precedence

  std::string text() const;
};

// Parses MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]; no leading zeros in numbers,
// identifiers of [0-9A-Za-z-]. On failure `error` (if given) says why.
std::optional<Semver> parse_semver(std::string_view text, std::string* error = nullptr);

// Precedence: <0, 0, >0. 1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-beta < 1.0.0;
// build metadata does not count (1.0.0+a == 1.0.0+b).
int compare_precedence(const Semver& a, const Semver& b);

}  // namespace continuum::ota
