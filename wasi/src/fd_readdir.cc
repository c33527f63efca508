// fd_readdir: directory entries in the preview1 dirent format. A cookie of 0
// takes a fresh snapshot of the directory; later cookies index into it, so a
// guest reading a large directory in several calls sees one consistent list.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "functions.h"
#include "host_errno.h"

namespace continuum::wasi {

struct DirListing {
  struct Entry {
    std::string name;
    uint64_t ino;
    uint8_t type;
  };
  std::vector<Entry> entries;
};

void destroy_listing(DirListing* listing) { delete listing; }

namespace {

uint8_t filetype_of_dirent(unsigned char d_type) {
  switch (d_type) {
    case DT_REG: return abi::kFiletypeRegularFile;
    case DT_DIR: return abi::kFiletypeDirectory;
    case DT_CHR: return abi::kFiletypeCharacterDevice;
    case DT_BLK: return abi::kFiletypeBlockDevice;
    case DT_LNK: return abi::kFiletypeSymbolicLink;
    case DT_SOCK: return abi::kFiletypeSocketStream;
    default: return abi::kFiletypeUnknown;
  }
}

// Reads the whole directory through a descriptor of its own, so the guest's
// descriptor keeps its position and flags.
abi::Errno snapshot(int dir_fd, DirListing* out) {
  int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return from_host_errno(errno);
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    int saved = errno;
    ::close(fd);
    return from_host_errno(saved);
  }
  out->entries.clear();
  errno = 0;
  while (struct dirent* d = ::readdir(dir)) {
    out->entries.push_back({d->d_name, static_cast<uint64_t>(d->d_ino), filetype_of_dirent(d->d_type)});
  }
  int saved = errno;
  ::closedir(dir);
  return from_host_errno(saved);
}

}  // namespace

namespace fn {

engine::HostResult fd_readdir(Guest& g, const uint64_t* a, uint64_t* r) {
  FdEntry* e = g.state.lookup(arg_u32(a, 0));
  if (e == nullptr) return reply(r, abi::kBadf);
  if (e->filetype != abi::kFiletypeDirectory) return reply(r, abi::kNotdir);
  if ((e->rights_base & abi::kRightFdReaddir) == 0) return reply(r, abi::kNotcapable);
  uint32_t buf_len = arg_u32(a, 2);
  uint64_t cookie = arg_u64(a, 3);
  uint32_t used_ptr = arg_u32(a, 4);
  uint8_t* buf = g.mem.span(arg_u32(a, 1), buf_len);
  if (buf == nullptr || g.mem.span(used_ptr, 4) == nullptr) return reply(r, abi::kFault);

  if (cookie == 0 || e->listing == nullptr) {
    if (e->listing == nullptr) e->listing = new DirListing;
    abi::Errno err = snapshot(e->host_fd, e->listing);
    if (err != abi::kSuccess) return reply(r, err);
  }

  // Entries are packed back to back; the last one is cut off when the buffer
  // ends, which tells the guest to call again with a bigger buffer or the
  // next cookie.
  const std::vector<DirListing::Entry>& entries = e->listing->entries;
  uint64_t used = 0;
  for (uint64_t i = cookie; i < entries.size() && used < buf_len; ++i) {
    const DirListing::Entry& entry = entries[i];
    uint8_t header[abi::dirent::kSize] = {};
    put_u64(header + abi::dirent::kNext, i + 1);
    put_u64(header + abi::dirent::kIno, entry.ino);
    put_u32(header + abi::dirent::kNamlen, static_cast<uint32_t>(entry.name.size()));
    header[abi::dirent::kType] = entry.type;
    for (uint32_t k = 0; k < abi::dirent::kSize && used < buf_len; ++k) buf[used++] = header[k];
    for (size_t k = 0; k < entry.name.size() && used < buf_len; ++k) {
      buf[used++] = static_cast<uint8_t>(entry.name[k]);
    }
  }
  g.mem.write_u32(used_ptr, static_cast<uint32_t>(used));
  return reply(r, abi::kSuccess);
}

}  // namespace fn
}  // namespace continuum::wasi
