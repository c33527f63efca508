#include "continuum/ota/semver.h"

#include <algorithm>
#include <cctype>

namespace continuum::ota {

namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool valid_identifier(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
}

bool parse_number(std::string_view s, uint64_t* out) {
  if (!all_digits(s) || (s.size() > 1 && s[0] == '0') || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) v = v * 10 + static_cast<uint64_t>(c - '0');
  *out = v;
  return true;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    parts.push_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

int compare_identifier(const std::string& a, const std::string& b) {
  bool an = all_digits(a), bn = all_digits(b);
  if (an && bn) {
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;  // no leading zeros
    return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
  }
  if (an != bn) return an ? -1 : 1;  // numeric identifiers sort first
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

}  // namespace

std::string Semver::text() const {
  std::string out = std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
  for (size_t i = 0; i < prerelease.size(); ++i) out += (i ? "." : "-") + prerelease[i];
  if (!build.empty()) out += "+" + build;
  return out;
}

std::optional<Semver> parse_semver(std::string_view text, std::string* error) {
  auto fail = [&](const char* why) -> std::optional<Semver> {
    if (error) *error = "'" + std::string(text) + "' is not a semantic version (MAJOR.MINOR.PATCH[-PRE][+BUILD]): " + why;
    return std::nullopt;
  };
  Semver v;
  std::string_view core = text;
  if (size_t plus = core.find('+'); plus != std::string_view::npos) {
    v.build = std::string(core.substr(plus + 1));
    for (std::string_view id : split(v.build, '.'))
      if (!valid_identifier(id)) return fail("bad build metadata");
    core = core.substr(0, plus);
  }
  if (size_t dash = core.find('-'); dash != std::string_view::npos) {
    for (std::string_view id : split(core.substr(dash + 1), '.')) {
      if (!valid_identifier(id)) return fail("bad pre-release identifier");
      if (all_digits(id) && id.size() > 1 && id[0] == '0') return fail("leading zero in a pre-release number");
      v.prerelease.emplace_back(id);
    }
    core = core.substr(0, dash);
  }
  auto numbers = split(core, '.');
  if (numbers.size() != 3) return fail("expected three numbers");
  if (!parse_number(numbers[0], &v.major) || !parse_number(numbers[1], &v.minor) ||
      !parse_number(numbers[2], &v.patch))
    return fail("numbers must be decimal without leading zeros");
  return v;
}

int compare_precedence(const Semver& a, const Semver& b) {
  if (a.major != b.major) return a.major < b.major ? -1 : 1;
  if (a.minor != b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch != b.patch) return a.patch < b.patch ? -1 : 1;
  // A pre-release sorts before the release it leads to.
  if (a.prerelease.empty() || b.prerelease.empty()) {
    if (a.prerelease.empty() == b.prerelease.empty()) return 0;
    return a.prerelease.empty() ? 1 : -1;
  }
  size_t n = std::min(a.prerelease.size(), b.prerelease.size());
  for (size_t i = 0; i < n; ++i)
    if (int c = compare_identifier(a.prerelease[i], b.prerelease[i])) return c;
  if (a.prerelease.size() == b.prerelease.size()) return 0;
  return a.prerelease.size() < b.prerelease.size() ? -1 : 1;
}

}  // namespace continuum::ota
