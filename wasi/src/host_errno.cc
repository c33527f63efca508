#include "host_errno.h"

#include <errno.h>

#include "state.h"

namespace continuum::wasi {

abi::Errno from_host_errno(int host_errno) {
  switch (host_errno) {
    case 0: return abi::kSuccess;
    case E2BIG: return abi::k2Big;
    case EACCES: return abi::kAcces;
    case EAGAIN: return abi::kAgain;
    case EBADF: return abi::kBadf;
    case EBUSY: return abi::kBusy;
    case EEXIST: return abi::kExist;
    case EFAULT: return abi::kFault;
    case EFBIG: return abi::kFbig;
    case EINTR: return abi::kIntr;
    case EINVAL: return abi::kInval;
    case EIO: return abi::kIo;
    case EISDIR: return abi::kIsdir;
    case ELOOP: return abi::kLoop;
    case EMFILE: return abi::kMfile;
    case EMLINK: return abi::kMlink;
    case ENAMETOOLONG: return abi::kNametoolong;
    case ENFILE: return abi::kNfile;
    case ENOBUFS: return abi::kNobufs;
    case ENODEV: return abi::kNodev;
    case ENOENT: return abi::kNoent;
    case ENOMEM: return abi::kNomem;
    case ENOSPC: return abi::kNospc;
    case ENOSYS: return abi::kNosys;
    case ENOTDIR: return abi::kNotdir;
    case ENOTEMPTY: return abi::kNotempty;
    case ENOTSUP: return abi::kNotsup;
    case ENOTTY: return abi::kNotty;
    case ENXIO: return abi::kNxio;
    case EOVERFLOW: return abi::kOverflow;
    case EPERM: return abi::kPerm;
    case EPIPE: return abi::kPipe;
    case ERANGE: return abi::kRange;
    case EROFS: return abi::kRofs;
    case ESPIPE: return abi::kSpipe;
    case ETXTBSY: return abi::kTxtbsy;
    case EXDEV: return abi::kXdev;
    default: return abi::kIo;
  }
}

uint8_t filetype_of_mode(mode_t mode) {
  if (S_ISREG(mode)) return abi::kFiletypeRegularFile;
  if (S_ISDIR(mode)) return abi::kFiletypeDirectory;
  if (S_ISCHR(mode)) return abi::kFiletypeCharacterDevice;
  if (S_ISBLK(mode)) return abi::kFiletypeBlockDevice;
  if (S_ISLNK(mode)) return abi::kFiletypeSymbolicLink;
  if (S_ISSOCK(mode)) return abi::kFiletypeSocketStream;
  return abi::kFiletypeUnknown;  // FIFOs have no preview1 type
}

namespace {
uint64_t nanoseconds(const struct timespec& t) {
  return static_cast<uint64_t>(t.tv_sec) * 1000000000ull + static_cast<uint64_t>(t.tv_nsec);
}
}  // namespace

void encode_filestat(const struct stat& st, uint8_t* out) {
  for (uint32_t i = 0; i < abi::filestat::kSize; ++i) out[i] = 0;
  put_u64(out + abi::filestat::kDev, static_cast<uint64_t>(st.st_dev));
  put_u64(out + abi::filestat::kIno, static_cast<uint64_t>(st.st_ino));
  out[abi::filestat::kFiletype] = filetype_of_mode(st.st_mode);
  put_u64(out + abi::filestat::kNlink, static_cast<uint64_t>(st.st_nlink));
  put_u64(out + abi::filestat::kFileSize, static_cast<uint64_t>(st.st_size));
  put_u64(out + abi::filestat::kAtim, nanoseconds(st.st_atim));
  put_u64(out + abi::filestat::kMtim, nanoseconds(st.st_mtim));
  put_u64(out + abi::filestat::kCtim, nanoseconds(st.st_ctim));
}

}  // namespace continuum::wasi
