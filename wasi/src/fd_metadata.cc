// Descriptor functions that act on a file as a whole rather than on its
// bytes: syncing, resizing, preallocating, advising, timestamps, and moving
// a descriptor to another number.
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "functions.h"
#include "host_errno.h"
#include "times.h"

namespace continuum::wasi {

abi::Errno host_times(uint64_t atim, uint64_t mtim, uint32_t fst_flags, struct timespec times[2]) {
  const struct {
    uint64_t ns;
    uint32_t given, now;
  } which[2] = {{atim, abi::kFstAtim, abi::kFstAtimNow}, {mtim, abi::kFstMtim, abi::kFstMtimNow}};
  for (int i = 0; i < 2; ++i) {
    bool given = fst_flags & which[i].given;
    bool now = fst_flags & which[i].now;
    if (given && now) return abi::kInval;
    times[i].tv_sec = 0;
    if (now) {
      times[i].tv_nsec = UTIME_NOW;
    } else if (given) {
      times[i].tv_sec = static_cast<time_t>(which[i].ns / 1000000000ull);
      times[i].tv_nsec = static_cast<long>(which[i].ns % 1000000000ull);
    } else {
      times[i].tv_nsec = UTIME_OMIT;
    }
  }
  return abi::kSuccess;
}

namespace fn {
namespace {

// Runs `op` on the host descriptor of `fd` once it is known to carry `rights`.
template <class Op>
engine::HostResult with_fd(Guest& g, uint32_t fd, uint64_t rights, uint64_t* r, Op op) {
  FdEntry* e;
  abi::Errno err = g.state.lookup(fd, rights, &e);
  if (err != abi::kSuccess) return reply(r, err);
  return reply(r, op(e->host_fd));
}

abi::Errno host_result(int rc) { return rc == 0 ? abi::kSuccess : from_host_errno(errno); }

}  // namespace

engine::HostResult fd_datasync(Guest& g, const uint64_t* a, uint64_t* r) {
  return with_fd(g, arg_u32(a, 0), abi::kRightFdDatasync, r,
                 [](int fd) { return host_result(::fdatasync(fd)); });
}

engine::HostResult fd_sync(Guest& g, const uint64_t* a, uint64_t* r) {
  return with_fd(g, arg_u32(a, 0), abi::kRightFdSync, r,
                 [](int fd) { return host_result(::fsync(fd)); });
}

engine::HostResult fd_filestat_set_size(Guest& g, const uint64_t* a, uint64_t* r) {
  uint64_t size = arg_u64(a, 1);
  if (size > static_cast<uint64_t>(INT64_MAX)) return reply(r, abi::kInval);
  return with_fd(g, arg_u32(a, 0), abi::kRightFdFilestatSetSize, r, [size](int fd) {
    return host_result(::ftruncate(fd, static_cast<off_t>(size)));
  });
}

engine::HostResult fd_allocate(Guest& g, const uint64_t* a, uint64_t* r) {
  uint64_t offset = arg_u64(a, 1), len = arg_u64(a, 2);
  if (offset > static_cast<uint64_t>(INT64_MAX) || len > static_cast<uint64_t>(INT64_MAX)) {
    return reply(r, abi::kInval);
  }
  return with_fd(g, arg_u32(a, 0), abi::kRightFdAllocate, r, [offset, len](int fd) {
    // posix_fallocate returns the error instead of setting errno.
    int rc = ::posix_fallocate(fd, static_cast<off_t>(offset), static_cast<off_t>(len));
    return from_host_errno(rc);
  });
}

engine::HostResult fd_advise(Guest& g, const uint64_t* a, uint64_t* r) {
  uint64_t offset = arg_u64(a, 1), len = arg_u64(a, 2);
  int advice;
  switch (arg_u32(a, 3)) {
    case abi::kAdviceNormal: advice = POSIX_FADV_NORMAL; break;
    case abi::kAdviceSequential: advice = POSIX_FADV_SEQUENTIAL; break;
    case abi::kAdviceRandom: advice = POSIX_FADV_RANDOM; break;
    case abi::kAdviceWillneed: advice = POSIX_FADV_WILLNEED; break;
    case abi::kAdviceDontneed: advice = POSIX_FADV_DONTNEED; break;
    case abi::kAdviceNoreuse: advice = POSIX_FADV_NOREUSE; break;
    default: return reply(r, abi::kInval);
  }
  return with_fd(g, arg_u32(a, 0), abi::kRightFdAdvise, r, [=](int fd) {
    int rc = ::posix_fadvise(fd, static_cast<off_t>(offset), static_cast<off_t>(len), advice);
    return from_host_errno(rc);
  });
}

engine::HostResult fd_filestat_set_times(Guest& g, const uint64_t* a, uint64_t* r) {
  struct timespec times[2];
  abi::Errno err = host_times(arg_u64(a, 1), arg_u64(a, 2), arg_u32(a, 3), times);
  if (err != abi::kSuccess) return reply(r, err);
  return with_fd(g, arg_u32(a, 0), abi::kRightFdFilestatSetTimes, r,
                 [&times](int fd) { return host_result(::futimens(fd, times)); });
}

// Rights can only be given up, never gained back.
engine::HostResult fd_fdstat_set_rights(Guest& g, const uint64_t* a, uint64_t* r) {
  FdEntry* e = g.state.lookup(arg_u32(a, 0));
  if (e == nullptr) return reply(r, abi::kBadf);
  uint64_t base = arg_u64(a, 1), inheriting = arg_u64(a, 2);
  if ((base & ~e->rights_base) != 0 || (inheriting & ~e->rights_inheriting) != 0) {
    return reply(r, abi::kNotcapable);
  }
  e->rights_base = base;
  e->rights_inheriting = inheriting;
  return reply(r, abi::kSuccess);
}

// Moves descriptor `from` onto number `to`, closing what `to` was.
engine::HostResult fd_renumber(Guest& g, const uint64_t* a, uint64_t* r) {
  uint32_t from = arg_u32(a, 0), to = arg_u32(a, 1);
  if (g.state.lookup(from) == nullptr || g.state.lookup(to) == nullptr) {
    return reply(r, abi::kBadf);
  }
  if (from != to) {
    g.state.close(to);
    g.state.fds[to] = std::move(g.state.fds[from]);
    g.state.fds[from] = FdEntry();
  }
  return reply(r, abi::kSuccess);
}

}  // namespace fn
}  // namespace continuum::wasi
