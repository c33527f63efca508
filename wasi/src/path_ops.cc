// Path-based preview1 functions. Every path is resolved by resolve_path()
// inside the directory descriptor the guest names, so a guest reaches only
// directories it was granted.
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <string_view>

#include "functions.h"
#include "host_errno.h"
#include "sandbox_path.h"
#include "times.h"

namespace continuum::wasi::fn {
namespace {

// The directory descriptor `fd`, which must carry `rights`.
abi::Errno directory_fd(Guest& g, uint32_t fd, uint64_t rights, FdEntry** out) {
  FdEntry* e = g.state.lookup(fd);
  if (e != nullptr && e->filetype != abi::kFiletypeDirectory) return abi::kNotdir;
  return g.state.lookup(fd, rights, out);
}

// Reads the guest path and resolves it under directory `fd`.
abi::Errno resolve_guest_path(Guest& g, uint32_t fd, uint64_t rights, uint32_t path_ptr,
                              uint32_t path_len, bool follow, ResolvedPath* out,
                              FdEntry** dir = nullptr) {
  FdEntry* e;
  abi::Errno err = directory_fd(g, fd, rights, &e);
  if (err != abi::kSuccess) return err;
  const uint8_t* bytes = g.mem.span(path_ptr, path_len);
  if (bytes == nullptr) return abi::kFault;
  std::string_view path(reinterpret_cast<const char*>(bytes), path_len);
  if (dir != nullptr) *dir = e;
  return resolve_path(e->host_fd, path, follow, out);
}

}  // namespace

engine::HostResult path_open(Guest& g, const uint64_t* a, uint64_t* r) {
  uint32_t dirflags = arg_u32(a, 1);
  uint32_t oflags = arg_u32(a, 4);
  uint64_t rights_base = arg_u64(a, 5);
  uint64_t rights_inheriting = arg_u64(a, 6);
  uint32_t fdflags = arg_u32(a, 7);
  uint32_t fd_out = arg_u32(a, 8);
  if (g.mem.span(fd_out, 4) == nullptr) return reply(r, abi::kFault);

  uint64_t needed = abi::kRightPathOpen;
  if (oflags & abi::kOflagCreat) needed |= abi::kRightPathCreateFile;
  ResolvedPath where;
  FdEntry* dir;
  abi::Errno err = resolve_guest_path(g, arg_u32(a, 0), needed, arg_u32(a, 2), arg_u32(a, 3),
                                      dirflags & abi::kLookupSymlinkFollow, &where, &dir);
  if (err != abi::kSuccess) return reply(r, err);

  // The access mode follows from the rights asked for (as wasi-libc expects).
  bool read = rights_base & (abi::kRightFdRead | abi::kRightFdReaddir);
  bool write = rights_base & (abi::kRightFdDatasync | abi::kRightFdWrite |
                              abi::kRightFdAllocate | abi::kRightFdFilestatSetSize);
  int flags = O_CLOEXEC | O_NOFOLLOW;
  if (oflags & abi::kOflagDirectory) {
    flags |= O_RDONLY | O_DIRECTORY;
  } else if (write) {
    flags |= read ? O_RDWR : O_WRONLY;
  } else {
    flags |= O_RDONLY;
  }
  if (oflags & abi::kOflagCreat) flags |= O_CREAT;
  if (oflags & abi::kOflagExcl) flags |= O_EXCL;
  if (oflags & abi::kOflagTrunc) flags |= O_TRUNC;
  if (fdflags & abi::kFdflagAppend) flags |= O_APPEND;
  if (fdflags & abi::kFdflagNonblock) flags |= O_NONBLOCK;
  if (fdflags & abi::kFdflagDsync) flags |= O_DSYNC;
  if (fdflags & (abi::kFdflagSync | abi::kFdflagRsync)) flags |= O_SYNC;

  int host_fd = ::openat(where.dir_fd(), where.name().c_str(), flags, 0666);
  if (host_fd < 0) return reply(r, from_host_errno(errno));
  struct stat st;
  if (::fstat(host_fd, &st) != 0) {
    int saved = errno;
    ::close(host_fd);
    return reply(r, from_host_errno(saved));
  }

  FdEntry e;
  e.open = true;
  e.host_fd = host_fd;
  e.owns_host_fd = true;
  e.filetype = filetype_of_mode(st.st_mode);
  uint64_t kind_rights =
      e.filetype == abi::kFiletypeDirectory ? abi::kDirectoryRights : abi::kFileRights;
  e.rights_base = rights_base & dir->rights_inheriting & kind_rights;
  e.rights_inheriting = rights_inheriting & dir->rights_inheriting;
  uint32_t fd = g.state.add(std::move(e));
  g.mem.write_u32(fd_out, fd);
  return reply(r, abi::kSuccess);
}

engine::HostResult path_filestat_get(Guest& g, const uint64_t* a, uint64_t* r) {
  uint32_t flags = arg_u32(a, 1);
  uint32_t out_ptr = arg_u32(a, 4);
  uint8_t* out = g.mem.span(out_ptr, abi::filestat::kSize);
  if (out == nullptr) return reply(r, abi::kFault);
  ResolvedPath where;
  abi::Errno err = resolve_guest_path(g, arg_u32(a, 0), abi::kRightPathFilestatGet, arg_u32(a, 2),
                                      arg_u32(a, 3), flags & abi::kLookupSymlinkFollow, &where);
  if (err != abi::kSuccess) return reply(r, err);
  struct stat st;
  if (::fstatat(where.dir_fd(), where.name().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return reply(r, from_host_errno(errno));
  }
  encode_filestat(st, out);
  return reply(r, abi::kSuccess);
}

engine::HostResult path_create_directory(Guest& g, const uint64_t* a, uint64_t* r) {
  ResolvedPath where;
  abi::Errno err = resolve_guest_path(g, arg_u32(a, 0), abi::kRightPathCreateDirectory,
                                      arg_u32(a, 1), arg_u32(a, 2), false, &where);
  if (err != abi::kSuccess) return reply(r, err);
  if (where.name() == ".") return reply(r, abi::kExist);
  if (::mkdirat(where.dir_fd(), where.name().c_str(), 0777) != 0) {
    return reply(r, from_host_errno(errno));
  }
  return reply(r, abi::kSuccess);
}

engine::HostResult path_unlink_file(Guest& g, const uint64_t* a, uint64_t* r) {
  ResolvedPath where;
  abi::Errno err = resolve_guest_path(g, arg_u32(a, 0), abi::kRightPathUnlinkFile, arg_u32(a, 1),
                                      arg_u32(a, 2), false, &where);
  if (err != abi::kSuccess) return reply(r, err);
  if (where.name() == ".") return reply(r, abi::kIsdir);
  if (::unlinkat(where.dir_fd(), where.name().c_str(), 0) != 0) {
    return reply(r, from_host_errno(errno));
  }
  return reply(r, abi::kSuccess);
}

engine::HostResult path_remove_directory(Guest& g, const uint64_t* a, uint64_t* r) {
  ResolvedPath where;
  abi::Errno err = resolve_guest_path(g, arg_u32(a, 0), abi::kRightPathRemoveDirectory,
                                      arg_u32(a, 1), arg_u32(a, 2), false, &where);
  if (err != abi::kSuccess) return reply(r, err);
  // Removing the directory a path resolves into ("." or "x/..") is refused:
  // the name to remove is not in hand.
  if (where.name() == ".") return reply(r, abi::kInval);
  if (::unlinkat(where.dir_fd(), where.name().c_str(), AT_REMOVEDIR) != 0) {
    return reply(r, from_host_errno(errno));
  }
  return reply(r, abi::kSuccess);
}

engine::HostResult path_filestat_set_times(Guest& g, const uint64_t* a, uint64_t* r) {
  struct timespec times[2];
  abi::Errno err = host_times(arg_u64(a, 4), arg_u64(a, 5), arg_u32(a, 6), times);
  if (err != abi::kSuccess) return reply(r, err);
  ResolvedPath where;
  err = resolve_guest_path(g, arg_u32(a, 0), abi::kRightPathFilestatSetTimes, arg_u32(a, 2),
                           arg_u32(a, 3), arg_u32(a, 1) & abi::kLookupSymlinkFollow, &where);
  if (err != abi::kSuccess) return reply(r, err);
  if (::utimensat(where.dir_fd(), where.name().c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    return reply(r, from_host_errno(errno));
  }
  return reply(r, abi::kSuccess);
}

engine::HostResult path_rename(Guest& g, const uint64_t* a, uint64_t* r) {
  ResolvedPath from, to;
  abi::Errno err = resolve_guest_path(g, arg_u32(a, 0), abi::kRightPathRenameSource,
                                      arg_u32(a, 1), arg_u32(a, 2), false, &from);
  if (err != abi::kSuccess) return reply(r, err);
  err = resolve_guest_path(g, arg_u32(a, 3), abi::kRightPathRenameTarget, arg_u32(a, 4),
                           arg_u32(a, 5), false, &to);
  if (err != abi::kSuccess) return reply(r, err);
  if (from.name() == "." || to.name() == ".") return reply(r, abi::kBusy);
  if (::renameat(from.dir_fd(), from.name().c_str(), to.dir_fd(), to.name().c_str()) != 0) {
    return reply(r, from_host_errno(errno));
  }
  return reply(r, abi::kSuccess);
}

// The link's target is returned as stored; following it later still goes
// through resolve_path, so an outward-pointing target stays unreachable.
engine::HostResult path_readlink(Guest& g, const uint64_t* a, uint64_t* r) {
  uint32_t buf = arg_u32(a, 3), buf_len = arg_u32(a, 4), used_ptr = arg_u32(a, 5);
  uint8_t* out = g.mem.span(buf, buf_len);
  if (out == nullptr || g.mem.span(used_ptr, 4) == nullptr) return reply(r, abi::kFault);
  ResolvedPath where;
  abi::Errno err = resolve_guest_path(g, arg_u32(a, 0), abi::kRightPathReadlink, arg_u32(a, 1),
                                      arg_u32(a, 2), false, &where);
  if (err != abi::kSuccess) return reply(r, err);
  std::string target(4096, '\0');
  ssize_t n = ::readlinkat(where.dir_fd(), where.name().c_str(), target.data(), target.size());
  if (n < 0) return reply(r, from_host_errno(errno));
  uint32_t copied = static_cast<uint64_t>(n) < buf_len ? static_cast<uint32_t>(n) : buf_len;
  for (uint32_t i = 0; i < copied; ++i) out[i] = static_cast<uint8_t>(target[i]);
  g.mem.write_u32(used_ptr, copied);
  return reply(r, abi::kSuccess);
}

}  // namespace continuum::wasi::fn
