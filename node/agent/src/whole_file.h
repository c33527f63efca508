// A whole file's bytes (modules, snapshots, the module store's JSON records),
// or nothing when it is missing or unreadable: one helper, so every caller of
// the agent treats those two cases alike.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

namespace continuum::node::agent {

inline std::optional<std::string> read_whole_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return bytes;
}

}  // namespace continuum::node::agent
