// Resolving a guest path inside a granted directory without ever leaving it.
//
// The path is walked one component at a time with openat(O_NOFOLLOW), so the
// host kernel never resolves more than one name on our behalf: `..` is
// applied to the stack of directories we actually opened (and refused when it
// would step above the starting directory), and symbolic links are read and
// expanded here, refusing absolute targets. An escape attempt is answered
// with ENOTCAPABLE, like other preview1 hosts do.
#pragma once

#include <string>
#include <string_view>

#include "abi.h"

namespace continuum::wasi {

// Where a path ends up: the directory holding its last component, and that
// component's name ("." when the path names the directory itself).
class ResolvedPath {
 public:
  ResolvedPath() = default;
  ~ResolvedPath();
  ResolvedPath(const ResolvedPath&) = delete;
  ResolvedPath& operator=(const ResolvedPath&) = delete;

  int dir_fd() const { return dir_fd_; }
  const std::string& name() const { return name_; }

 private:
  friend abi::Errno resolve_path(int, std::string_view, bool, ResolvedPath*);
  int dir_fd_ = -1;
  bool owns_dir_fd_ = false;
  std::string name_;
};

// Resolves `path` relative to the directory `base_fd`. With
// `follow_final_symlink` a symbolic link in the last position is expanded too
// (intermediate links always are). The final component need not exist.
abi::Errno resolve_path(int base_fd, std::string_view path, bool follow_final_symlink,
                        ResolvedPath* out);

}  // namespace continuum::wasi
