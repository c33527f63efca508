// A guest reaches files only inside directories it was granted: absolute
// paths, `..` above the preopen and symbolic links leading out are refused
// with ENOTCAPABLE, while the same constructs staying inside work.
#include <string.h>
#include <unistd.h>

#include "sandbox_path.h"
#include "wasi_fixture.h"

namespace continuum::wasi::testing {
namespace {

constexpr uint64_t kRead = abi::kRightFdRead | abi::kRightFdSeek | abi::kRightFdTell;

TEST_F(WasiTest, OpensAFileInsideTheGrantedDirectory) {
  start({});
  uint32_t fd = open_path("hello.txt", 0, kRead);
  put_iovec(kIovAddr, kDataAddr, 100);
  ASSERT_EQ(call("fd_read", {fd, kIovAddr, 1, kResultAddr}), abi::kSuccess);
  ASSERT_EQ(get_u32(kResultAddr), 15u);
  EXPECT_EQ(get_bytes(kDataAddr, 15), "hello, sandbox\n");
}

TEST_F(WasiTest, AbsolutePathIsNotCapable) {
  start({});
  EXPECT_EQ(open_errno(root_ + "/secret.txt"), abi::kNotcapable);
  EXPECT_EQ(open_errno("/etc/passwd"), abi::kNotcapable);
}

TEST_F(WasiTest, DotDotAboveThePreopenIsNotCapable) {
  start({});
  EXPECT_EQ(open_errno("../secret.txt"), abi::kNotcapable);
  EXPECT_EQ(open_errno("sub/../../secret.txt"), abi::kNotcapable);
  EXPECT_EQ(open_errno("./sub/./../.."), abi::kNotcapable);
}

TEST_F(WasiTest, DotDotThatStaysInsideIsFine) {
  start({});
  uint32_t fd = open_path("sub/../hello.txt", 0, kRead);
  EXPECT_GE(fd, 4u);
  EXPECT_EQ(call("fd_close", {fd}), abi::kSuccess);
}

TEST_F(WasiTest, SymlinkLeavingTheDirectoryIsNotCapable) {
  ASSERT_EQ(symlink((root_ + "/secret.txt").c_str(), (root_ + "/granted/abs_link").c_str()), 0);
  ASSERT_EQ(symlink("../secret.txt", (root_ + "/granted/rel_link").c_str()), 0);
  ASSERT_EQ(symlink("../..", (root_ + "/granted/sub/up2").c_str()), 0);
  start({});
  EXPECT_EQ(open_errno("abs_link"), abi::kNotcapable);
  EXPECT_EQ(open_errno("rel_link"), abi::kNotcapable);
  // The link itself is inside; its target climbs out.
  EXPECT_EQ(open_errno("sub/up2/secret.txt"), abi::kNotcapable);
  // The escape is refused however the lookup flags are set for the last step.
  EXPECT_NE(open_errno("rel_link", /*lookup=*/0), abi::kSuccess);
}

TEST_F(WasiTest, SymlinkStayingInsideIsFollowed) {
  ASSERT_EQ(symlink("hello.txt", (root_ + "/granted/sub/../link").c_str()), 0);
  ASSERT_EQ(symlink("../hello.txt", (root_ + "/granted/sub/link2").c_str()), 0);
  start({});
  uint32_t fd = open_path("link", 0, kRead);
  put_iovec(kIovAddr, kDataAddr, 5);
  ASSERT_EQ(call("fd_read", {fd, kIovAddr, 1, kResultAddr}), abi::kSuccess);
  EXPECT_EQ(get_bytes(kDataAddr, 5), "hello");
  open_path("sub/link2", 0, kRead);
  // Without symlink_follow the final link is not opened.
  EXPECT_EQ(open_errno("link", /*lookup=*/0), abi::kLoop);
}

TEST_F(WasiTest, SymlinkLoopIsReported) {
  ASSERT_EQ(symlink("loop_b", (root_ + "/granted/loop_a").c_str()), 0);
  ASSERT_EQ(symlink("loop_a", (root_ + "/granted/loop_b").c_str()), 0);
  start({});
  EXPECT_EQ(open_errno("loop_a"), abi::kLoop);
}

TEST_F(WasiTest, NoPreopenMeansNoFileAccess) {
  start({}, /*grant=*/false);
  // Descriptor 3 does not exist, and stdio is not a directory.
  EXPECT_EQ(open_errno("hello.txt"), abi::kBadf);
  EXPECT_EQ(call("fd_prestat_get", {3, kResultAddr}), abi::kBadf);
  put_bytes(kPathAddr, "hello.txt");
  EXPECT_EQ(call("path_open", {1, 0, kPathAddr, 9, 0, kRead, 0, 0, kResultAddr}), abi::kNotdir);
}

TEST_F(WasiTest, PreopenIsDescribedByPrestat) {
  start({});
  ASSERT_EQ(call("fd_prestat_get", {3, kResultAddr}), abi::kSuccess);
  EXPECT_EQ(view().span(kResultAddr, 1)[0], 0);  // tag: directory
  ASSERT_EQ(get_u32(kResultAddr + 4), 5u);
  ASSERT_EQ(call("fd_prestat_dir_name", {3, kDataAddr, 5}), abi::kSuccess);
  EXPECT_EQ(get_bytes(kDataAddr, 5), "/data");
  EXPECT_EQ(call("fd_prestat_dir_name", {3, kDataAddr, 4}), abi::kNametoolong);
  EXPECT_EQ(call("fd_prestat_get", {4, kResultAddr}), abi::kBadf);
}

TEST_F(WasiTest, CreatingThroughADanglingSymlinkCannotEscape) {
  ASSERT_EQ(symlink("../created_outside", (root_ + "/granted/dangling").c_str()), 0);
  ASSERT_EQ(symlink((root_ + "/abs_created").c_str(), (root_ + "/granted/dangling_abs").c_str()), 0);
  start({});
  for (const char* name : {"dangling", "dangling_abs"}) {
    for (uint32_t lookup : {0u, abi::kLookupSymlinkFollow}) {
      put_bytes(kPathAddr, name);
      uint32_t err = call("path_open", {3, lookup, kPathAddr, strlen(name), abi::kOflagCreat,
                                        abi::kRightFdWrite, 0, 0, kResultAddr});
      EXPECT_NE(err, abi::kSuccess) << name << " lookup=" << lookup;
    }
  }
  EXPECT_NE(::access((root_ + "/created_outside").c_str(), F_OK), 0);
  EXPECT_NE(::access((root_ + "/abs_created").c_str(), F_OK), 0);
  // mkdir through the link is refused too (the link itself exists).
  put_bytes(kPathAddr, "dangling/x");
  EXPECT_EQ(call("path_create_directory", {3, kPathAddr, 10}), abi::kNotcapable);
}

TEST_F(WasiTest, TrailingSlashNamesADirectory) {
  start({});
  put_bytes(kPathAddr, "fresh/");
  ASSERT_EQ(call("path_create_directory", {3, kPathAddr, 6}), abi::kSuccess);
  put_bytes(kPathAddr, "sub/");
  ASSERT_EQ(call("path_filestat_get", {3, 0, kPathAddr, 4, kDataAddr}), abi::kSuccess);
  EXPECT_EQ(view().span(kDataAddr + abi::filestat::kFiletype, 1)[0], abi::kFiletypeDirectory);
  put_bytes(kPathAddr, "hello.txt/");
  EXPECT_EQ(call("path_filestat_get", {3, 0, kPathAddr, 10, kDataAddr}), abi::kNotdir);
}

TEST(ResolvePath, SplitsIntoDirectoryAndFinalName) {
  char tmpl[] = "/tmp/continuum-resolve-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string root = tmpl;
  ASSERT_EQ(mkdir((root + "/a").c_str(), 0755), 0);
  int base = ::open(root.c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(base, 0);
  {
    ResolvedPath p;
    ASSERT_EQ(resolve_path(base, "a//./new_file", true, &p), abi::kSuccess);
    EXPECT_EQ(p.name(), "new_file");
    EXPECT_NE(p.dir_fd(), base);
  }
  {
    ResolvedPath p;
    ASSERT_EQ(resolve_path(base, "a/..", true, &p), abi::kSuccess);
    EXPECT_EQ(p.name(), ".");
    EXPECT_EQ(p.dir_fd(), base);
  }
  {
    ResolvedPath p;
    EXPECT_EQ(resolve_path(base, "", true, &p), abi::kNoent);
    EXPECT_EQ(resolve_path(base, "missing/x", true, &p), abi::kNoent);
    EXPECT_EQ(resolve_path(base, std::string_view("a\0b", 3), true, &p), abi::kInval);
  }
  ::close(base);
  std::error_code ignored;
  std::filesystem::remove_all(root, ignored);
}

}  // namespace
}  // namespace continuum::wasi::testing
