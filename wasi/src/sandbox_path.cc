#include "sandbox_path.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <deque>
#include <vector>

#include "host_errno.h"

namespace continuum::wasi {
namespace {

// Same bound as Linux: more expansions than this is a loop.
constexpr int kMaxSymlinkExpansions = 40;

// Splits at '/', dropping empty and "." components (they change nothing).
// Appends to the front of `queue` when `front` is set, so a symlink's target
// is walked before what followed the link.
void split_into(std::string_view path, std::deque<std::string>& queue, bool front) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view part = path.substr(start, slash - start);
    if (!part.empty() && part != ".") parts.emplace_back(part);
    start = slash + 1;
  }
  if (front) {
    queue.insert(queue.begin(), parts.begin(), parts.end());
  } else {
    queue.insert(queue.end(), parts.begin(), parts.end());
  }
}

// The directories opened while walking; closes them on every exit path.
class DirStack {
 public:
  explicit DirStack(int base) : base_(base) {}
  ~DirStack() {
    for (int fd : opened_) ::close(fd);
  }
  int top() const { return opened_.empty() ? base_ : opened_.back(); }
  bool at_base() const { return opened_.empty(); }
  void push(int fd) { opened_.push_back(fd); }
  void pop() {
    ::close(opened_.back());
    opened_.pop_back();
  }
  // Hands the top directory to the caller (who must close it), or -1 when
  // the top is the base the caller already owns.
  int release_top() {
    if (opened_.empty()) return -1;
    int fd = opened_.back();
    opened_.pop_back();
    return fd;
  }

 private:
  int base_;
  std::vector<int> opened_;
};

// Reads the target of the symlink `name` in `dir`.
abi::Errno read_link(int dir, const std::string& name, std::string* target) {
  char buf[4096];
  ssize_t n = ::readlinkat(dir, name.c_str(), buf, sizeof(buf));
  if (n < 0) return from_host_errno(errno);
  if (static_cast<size_t>(n) == sizeof(buf)) return abi::kNametoolong;
  target->assign(buf, static_cast<size_t>(n));
  return abi::kSuccess;
}

}  // namespace

ResolvedPath::~ResolvedPath() {
  if (owns_dir_fd_) ::close(dir_fd_);
}

abi::Errno resolve_path(int base_fd, std::string_view path, bool follow_final_symlink,
                        ResolvedPath* out) {
  if (path.empty()) return abi::kNoent;
  if (path.find('\0') != std::string_view::npos) return abi::kInval;
  if (path.front() == '/') return abi::kNotcapable;

  std::deque<std::string> queue;
  split_into(path, queue, /*front=*/false);
  // "dir/" must name a directory: keep that by ending on "." inside it.
  bool trailing_slash = path.back() == '/';

  DirStack dirs(base_fd);
  std::string final_name = ".";
  int expansions = 0;
  while (!queue.empty()) {
    std::string name = std::move(queue.front());
    queue.pop_front();
    bool last = queue.empty();

    if (name == "..") {
      if (dirs.at_base()) return abi::kNotcapable;
      dirs.pop();
      if (last) final_name = ".";
      continue;
    }

    struct stat st;
    bool exists = ::fstatat(dirs.top(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (!exists && (!last || errno != ENOENT)) return from_host_errno(errno);

    if (exists && S_ISLNK(st.st_mode) && (!last || follow_final_symlink || trailing_slash)) {
      if (++expansions > kMaxSymlinkExpansions) return abi::kLoop;
      std::string target;
      abi::Errno e = read_link(dirs.top(), name, &target);
      if (e != abi::kSuccess) return e;
      if (target.empty()) return abi::kNoent;
      if (target.front() == '/') return abi::kNotcapable;
      size_t before = queue.size();
      split_into(target, queue, /*front=*/true);
      // A link to "." (or to nothing but dots) leaves us where we are.
      if (last && queue.size() == before) final_name = ".";
      continue;
    }

    if (last && (!trailing_slash || !exists)) {
      final_name = std::move(name);
      break;
    }

    int fd = ::openat(dirs.top(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return from_host_errno(errno);
    dirs.push(fd);
    if (last) final_name = ".";
  }

  int released = dirs.release_top();
  if (released >= 0) {
    out->dir_fd_ = released;
    out->owns_dir_fd_ = true;
  } else {
    out->dir_fd_ = base_fd;
    out->owns_dir_fd_ = false;
  }
  out->name_ = std::move(final_name);
  return abi::kSuccess;
}

}  // namespace continuum::wasi
