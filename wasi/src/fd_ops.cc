// Descriptor-level preview1 functions: reading, writing, seeking, closing and
// describing open descriptors (files, directories, stdio, preopens).
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <stdint.h>

#include <vector>

#include "functions.h"
#include "host_errno.h"

namespace continuum::wasi::fn {
namespace {

// More iovecs than this are served partially, which readv/writev semantics
// allow (the guest sees a short count and loops).
constexpr uint32_t kMaxIovecs = 1024;

// Turns the guest's iovec array into host iovecs, checking every buffer lies
// inside guest memory before any byte moves.
abi::Errno gather_iovecs(Guest& g, uint32_t iovs, uint32_t iovs_len, std::vector<struct iovec>* out) {
  if (iovs_len > kMaxIovecs) iovs_len = kMaxIovecs;
  const uint8_t* table = g.mem.span(iovs, uint64_t(iovs_len) * abi::iovec::kSize);
  if (table == nullptr) return abi::kFault;
  out->resize(iovs_len);
  for (uint32_t i = 0; i < iovs_len; ++i) {
    uint32_t buf = get_u32(table + i * abi::iovec::kSize);
    uint32_t len = get_u32(table + i * abi::iovec::kSize + 4);
    uint8_t* host = g.mem.span(buf, len);
    if (host == nullptr) return abi::kFault;
    (*out)[i] = {host, len};
  }
  return abi::kSuccess;
}

// One read or write: at the descriptor's cursor, or at an explicit offset.
using Transfer = ssize_t (*)(int fd, const struct iovec* iov, int count, off_t offset);
ssize_t read_at_cursor(int fd, const struct iovec* iov, int n, off_t) { return ::readv(fd, iov, n); }
ssize_t write_at_cursor(int fd, const struct iovec* iov, int n, off_t) { return ::writev(fd, iov, n); }
ssize_t read_at(int fd, const struct iovec* iov, int n, off_t at) { return ::preadv(fd, iov, n, at); }
ssize_t write_at(int fd, const struct iovec* iov, int n, off_t at) { return ::pwritev(fd, iov, n, at); }

abi::Errno transfer(Guest& g, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint64_t offset,
                    uint32_t count_ptr, uint64_t rights, Transfer io) {
  FdEntry* e;
  abi::Errno err = g.state.lookup(fd, rights, &e);
  if (err != abi::kSuccess) return err;
  if (g.mem.span(count_ptr, 4) == nullptr) return abi::kFault;
  if (offset > static_cast<uint64_t>(INT64_MAX)) return abi::kInval;
  std::vector<struct iovec> iov;
  err = gather_iovecs(g, iovs, iovs_len, &iov);
  if (err != abi::kSuccess) return err;
  ssize_t n;
  do {
    n = io(e->host_fd, iov.data(), static_cast<int>(iov.size()), static_cast<off_t>(offset));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return from_host_errno(errno);
  g.mem.write_u32(count_ptr, static_cast<uint32_t>(n));
  return abi::kSuccess;
}

uint16_t fdflags_of_host(int flags) {
  uint16_t out = 0;
  if (flags & O_APPEND) out |= abi::kFdflagAppend;
  if (flags & O_NONBLOCK) out |= abi::kFdflagNonblock;
#ifdef O_DSYNC
  if ((flags & O_DSYNC) == O_DSYNC) out |= abi::kFdflagDsync;
#endif
  if ((flags & O_SYNC) == O_SYNC) out |= abi::kFdflagSync;
  return out;
}

}  // namespace

engine::HostResult fd_read(Guest& g, const uint64_t* a, uint64_t* r) {
  return reply(r, transfer(g, arg_u32(a, 0), arg_u32(a, 1), arg_u32(a, 2), 0, arg_u32(a, 3),
                           abi::kRightFdRead, &read_at_cursor));
}

engine::HostResult fd_write(Guest& g, const uint64_t* a, uint64_t* r) {
  return reply(r, transfer(g, arg_u32(a, 0), arg_u32(a, 1), arg_u32(a, 2), 0, arg_u32(a, 3),
                           abi::kRightFdWrite, &write_at_cursor));
}

engine::HostResult fd_pread(Guest& g, const uint64_t* a, uint64_t* r) {
  return reply(r, transfer(g, arg_u32(a, 0), arg_u32(a, 1), arg_u32(a, 2), arg_u64(a, 3),
                           arg_u32(a, 4), abi::kRightFdRead | abi::kRightFdSeek, &read_at));
}

engine::HostResult fd_pwrite(Guest& g, const uint64_t* a, uint64_t* r) {
  return reply(r, transfer(g, arg_u32(a, 0), arg_u32(a, 1), arg_u32(a, 2), arg_u64(a, 3),
                           arg_u32(a, 4), abi::kRightFdWrite | abi::kRightFdSeek, &write_at));
}

engine::HostResult fd_seek(Guest& g, const uint64_t* a, uint64_t* r) {
  int64_t offset = static_cast<int64_t>(arg_u64(a, 1));
  uint32_t whence = arg_u32(a, 2);
  uint32_t result_ptr = arg_u32(a, 3);
  // Asking only where we are needs fd_tell, anything else fd_seek.
  uint64_t right = (whence == abi::kWhenceCur && offset == 0) ? abi::kRightFdTell : abi::kRightFdSeek;
  FdEntry* e;
  abi::Errno err = g.state.lookup(arg_u32(a, 0), right, &e);
  if (err != abi::kSuccess) return reply(r, err);
  int host_whence;
  switch (whence) {
    case abi::kWhenceSet: host_whence = SEEK_SET; break;
    case abi::kWhenceCur: host_whence = SEEK_CUR; break;
    case abi::kWhenceEnd: host_whence = SEEK_END; break;
    default: return reply(r, abi::kInval);
  }
  if (g.mem.span(result_ptr, 8) == nullptr) return reply(r, abi::kFault);
  off_t pos = ::lseek(e->host_fd, static_cast<off_t>(offset), host_whence);
  if (pos < 0) return reply(r, from_host_errno(errno));
  g.mem.write_u64(result_ptr, static_cast<uint64_t>(pos));
  return reply(r, abi::kSuccess);
}

engine::HostResult fd_tell(Guest& g, const uint64_t* a, uint64_t* r) {
  FdEntry* e;
  abi::Errno err = g.state.lookup(arg_u32(a, 0), abi::kRightFdTell, &e);
  if (err != abi::kSuccess) return reply(r, err);
  if (g.mem.span(arg_u32(a, 1), 8) == nullptr) return reply(r, abi::kFault);
  off_t pos = ::lseek(e->host_fd, 0, SEEK_CUR);
  if (pos < 0) return reply(r, from_host_errno(errno));
  g.mem.write_u64(arg_u32(a, 1), static_cast<uint64_t>(pos));
  return reply(r, abi::kSuccess);
}

engine::HostResult fd_close(Guest& g, const uint64_t* a, uint64_t* r) {
  uint32_t fd = arg_u32(a, 0);
  if (g.state.lookup(fd) == nullptr) return reply(r, abi::kBadf);
  g.state.close(fd);
  return reply(r, abi::kSuccess);
}

engine::HostResult fd_fdstat_get(Guest& g, const uint64_t* a, uint64_t* r) {
  FdEntry* e = g.state.lookup(arg_u32(a, 0));
  if (e == nullptr) return reply(r, abi::kBadf);
  uint8_t* out = g.mem.span(arg_u32(a, 1), abi::fdstat::kSize);
  if (out == nullptr) return reply(r, abi::kFault);
  int flags = ::fcntl(e->host_fd, F_GETFL);
  if (flags < 0) return reply(r, from_host_errno(errno));
  for (uint32_t i = 0; i < abi::fdstat::kSize; ++i) out[i] = 0;
  out[abi::fdstat::kFiletype] = e->filetype;
  put_u16(out + abi::fdstat::kFlags, fdflags_of_host(flags));
  put_u64(out + abi::fdstat::kRightsBase, e->rights_base);
  put_u64(out + abi::fdstat::kRightsInheriting, e->rights_inheriting);
  return reply(r, abi::kSuccess);
}

// Append and non-blocking mode can change on an open descriptor; the sync
// flags would need reopening the file, which preview1 hosts commonly refuse.
engine::HostResult fd_fdstat_set_flags(Guest& g, const uint64_t* a, uint64_t* r) {
  FdEntry* e;
  abi::Errno err = g.state.lookup(arg_u32(a, 0), abi::kRightFdFdstatSetFlags, &e);
  if (err != abi::kSuccess) return reply(r, err);
  uint32_t wanted = arg_u32(a, 1);
  if (wanted & (abi::kFdflagDsync | abi::kFdflagRsync | abi::kFdflagSync)) {
    return reply(r, abi::kNotsup);
  }
  int flags = ::fcntl(e->host_fd, F_GETFL);
  if (flags < 0) return reply(r, from_host_errno(errno));
  flags &= ~(O_APPEND | O_NONBLOCK);
  if (wanted & abi::kFdflagAppend) flags |= O_APPEND;
  if (wanted & abi::kFdflagNonblock) flags |= O_NONBLOCK;
  if (::fcntl(e->host_fd, F_SETFL, flags) != 0) return reply(r, from_host_errno(errno));
  return reply(r, abi::kSuccess);
}

engine::HostResult fd_filestat_get(Guest& g, const uint64_t* a, uint64_t* r) {
  FdEntry* e;
  abi::Errno err = g.state.lookup(arg_u32(a, 0), abi::kRightFdFilestatGet, &e);
  if (err != abi::kSuccess) return reply(r, err);
  uint8_t* out = g.mem.span(arg_u32(a, 1), abi::filestat::kSize);
  if (out == nullptr) return reply(r, abi::kFault);
  struct stat st;
  if (::fstat(e->host_fd, &st) != 0) return reply(r, from_host_errno(errno));
  encode_filestat(st, out);
  return reply(r, abi::kSuccess);
}

engine::HostResult fd_prestat_get(Guest& g, const uint64_t* a, uint64_t* r) {
  FdEntry* e = g.state.lookup(arg_u32(a, 0));
  if (e == nullptr || !e->is_preopen) return reply(r, abi::kBadf);
  uint8_t* out = g.mem.span(arg_u32(a, 1), abi::prestat::kSize);
  if (out == nullptr) return reply(r, abi::kFault);
  for (uint32_t i = 0; i < abi::prestat::kSize; ++i) out[i] = 0;  // tag 0: directory
  put_u32(out + abi::prestat::kNameLen, static_cast<uint32_t>(e->preopen_name.size()));
  return reply(r, abi::kSuccess);
}

engine::HostResult fd_prestat_dir_name(Guest& g, const uint64_t* a, uint64_t* r) {
  FdEntry* e = g.state.lookup(arg_u32(a, 0));
  if (e == nullptr || !e->is_preopen) return reply(r, abi::kBadf);
  uint32_t len = arg_u32(a, 2);
  if (len < e->preopen_name.size()) return reply(r, abi::kNametoolong);
  if (!g.mem.write(arg_u32(a, 1), e->preopen_name.data(), e->preopen_name.size())) {
    return reply(r, abi::kFault);
  }
  return reply(r, abi::kSuccess);
}

}  // namespace continuum::wasi::fn
