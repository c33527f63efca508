// A whole file's bytes (modules, snapshots, the module store's JSON records),
// or nothing when it is missing or unreadable: one helper, so every caller of
// the agent treats those two cases alike. And its writing counterpart for the
// agent's small stores (ModuleStore, StageRecords): whole or not at all.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

namespace continuum::node::agent {

inline std::optional<std::string> read_whole_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return bytes;
}

// Temporary name, fsync, rename: after a crash PATH holds the old content or
// the new, complete one.
inline bool write_whole_file_atomically(const std::filesystem::path& path, std::string_view bytes,
                                        std::string* error) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  bool ok = fd >= 0;
  for (size_t done = 0; ok && done < bytes.size();) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) ok = false;
    else done += static_cast<size_t>(n);
  }
  if (ok) ok = ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  if (ok) ok = std::rename(tmp.c_str(), path.c_str()) == 0;
  if (!ok) {
    *error = "cannot write " + path.string();
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
  }
  return ok;
}

}  // namespace continuum::node::agent
