// The preview1 functions themselves: the table, argument/environment
// passing, stdio and file I/O, bad guest pointers (EFAULT, never a crash),
// ENOSYS for what is not implemented, exit, clocks and directories.
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "wasi_fixture.h"

namespace continuum::wasi::testing {
namespace {

constexpr uint64_t kReadWrite = abi::kRightFdRead | abi::kRightFdWrite | abi::kRightFdSeek |
                                abi::kRightFdTell | abi::kRightFdFilestatGet;

TEST(FunctionTable, ListsEveryPreview1FunctionOnce) {
  EXPECT_EQ(kNumFunctions, 46u);
  for (size_t i = 0; i < kNumFunctions; ++i) {
    for (size_t k = i + 1; k < kNumFunctions; ++k) {
      EXPECT_STRNE(kFunctions[i].name, kFunctions[k].name);
    }
  }
  const FunctionSpec* open = find_function("path_open");
  ASSERT_NE(open, nullptr);
  EXPECT_EQ(open->num_params, 9u);
  EXPECT_EQ(open->params[5], engine::ValType::I64);
  const FunctionSpec* exit = find_function("proc_exit");
  ASSERT_NE(exit, nullptr);
  EXPECT_EQ(exit->num_results, 0u);
  EXPECT_EQ(find_function("no_such_function"), nullptr);
}

TEST_F(WasiTest, DefinesEveryFunctionWithItsSignature) {
  start({});
  for (size_t i = 0; i < kNumFunctions; ++i) {
    const FunctionSpec& spec = kFunctions[i];
    engine::ExternVal v = linker_.resolve("wasi_snapshot_preview1", 22, spec.name, strlen(spec.name));
    ASSERT_FALSE(v.is_null()) << spec.name;
    engine::Signature sig = engine::func_signature(static_cast<engine::FuncInstance*>(v.ptr));
    ASSERT_EQ(sig.num_params, spec.num_params) << spec.name;
    ASSERT_EQ(sig.num_results, spec.num_results) << spec.name;
    for (uint32_t k = 0; k < sig.num_params; ++k) EXPECT_EQ(sig.params[k], spec.params[k]);
  }
}

TEST_F(WasiTest, UnimplementedFunctionsAnswerEnosys) {
  start({});
  EXPECT_EQ(call("sock_accept", {3, 0, kResultAddr}), abi::kNosys);
  EXPECT_EQ(call("proc_raise", {6}), abi::kNosys);
  EXPECT_EQ(call("path_symlink", {0, 0, 3, 0, 0}), abi::kNosys);
  EXPECT_EQ(call("path_link", {3, 0, 0, 0, 3, 0, 0}), abi::kNosys);
  size_t nosys = 0;
  for (size_t i = 0; i < kNumFunctions; ++i) {
    nosys += !kFunctions[i].implemented;
    EXPECT_EQ(kFunctions[i].impl == &fn::enosys, !kFunctions[i].implemented) << kFunctions[i].name;
  }
  // path_link, path_symlink, proc_raise and the four sock_* functions.
  EXPECT_EQ(nosys, 7u);
}

TEST_F(WasiTest, ArgsAndEnvironmentAreCopiedIn) {
  WasiConfig config;
  config.args = {"prog", "one", ""};
  config.env = {"A=1", "LONGER=value"};
  start(config);
  ASSERT_EQ(call("args_sizes_get", {kResultAddr, kResultAddr + 4}), abi::kSuccess);
  EXPECT_EQ(get_u32(kResultAddr), 3u);
  EXPECT_EQ(get_u32(kResultAddr + 4), 5u + 4u + 1u);
  ASSERT_EQ(call("args_get", {kIovAddr, kDataAddr}), abi::kSuccess);
  EXPECT_EQ(get_u32(kIovAddr), kDataAddr);
  EXPECT_EQ(get_u32(kIovAddr + 4), kDataAddr + 5);
  EXPECT_EQ(get_u32(kIovAddr + 8), kDataAddr + 9);
  EXPECT_EQ(get_bytes(kDataAddr, 10), std::string("prog\0one\0\0", 10));

  ASSERT_EQ(call("environ_sizes_get", {kResultAddr, kResultAddr + 4}), abi::kSuccess);
  EXPECT_EQ(get_u32(kResultAddr), 2u);
  EXPECT_EQ(get_u32(kResultAddr + 4), 4u + 13u);
  ASSERT_EQ(call("environ_get", {kIovAddr, kDataAddr}), abi::kSuccess);
  EXPECT_EQ(get_bytes(get_u32(kIovAddr + 4), 13), std::string("LONGER=value\0", 13));
}

TEST_F(WasiTest, BadGuestPointersGiveEfault) {
  WasiConfig config;
  config.args = {"prog", "argument"};
  start(config);
  const uint64_t end = kMemoryBytes;
  // Strings would run past the end of memory.
  EXPECT_EQ(call("args_get", {kIovAddr, end - 3}), abi::kFault);
  EXPECT_EQ(call("args_sizes_get", {end - 2, kResultAddr}), abi::kFault);
  // An iovec whose buffer lies outside memory, and ptr + len wrapping 32 bits.
  put_iovec(kIovAddr, end - 4, 8);
  EXPECT_EQ(call("fd_write", {1, kIovAddr, 1, kResultAddr}), abi::kFault);
  put_iovec(kIovAddr, 0xFFFFFFF0u, 0x20);
  EXPECT_EQ(call("fd_write", {1, kIovAddr, 1, kResultAddr}), abi::kFault);
  EXPECT_EQ(call("fd_read", {0, 0xFFFFFFFCu, 2, kResultAddr}), abi::kFault);
  // Result pointers outside memory.
  put_iovec(kIovAddr, kDataAddr, 0);
  EXPECT_EQ(call("fd_write", {1, kIovAddr, 1, end}), abi::kFault);
  EXPECT_EQ(call("clock_time_get", {abi::kClockMonotonic, 0, end - 7}), abi::kFault);
  EXPECT_EQ(call("random_get", {end - 8, 9}), abi::kFault);
  EXPECT_EQ(call("fd_fdstat_get", {1, end - 1}), abi::kFault);
  EXPECT_EQ(call("path_open", {3, 0, end - 2, 10, 0, 0, 0, 0, kResultAddr}), abi::kFault);
  EXPECT_EQ(call("path_open", {3, 0, 0xFFFFFFFFu, 2, 0, 0, 0, 0, kResultAddr}), abi::kFault);
  EXPECT_EQ(call("poll_oneoff", {end - 40, kDataAddr, 1, kResultAddr}), abi::kFault);
  EXPECT_EQ(call("fd_readdir", {3, end - 10, 20, 0, kResultAddr}), abi::kFault);
}

TEST_F(WasiTest, StdoutWritesGatherAllIovecs) {
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  WasiConfig config;
  config.stdout_fd = pipe_fds[1];
  start(config);
  put_bytes(kDataAddr, "Hello");
  put_bytes(kDataAddr + 100, ", world\n");
  put_iovec(kIovAddr, kDataAddr, 5);
  put_iovec(kIovAddr + 8, kDataAddr + 100, 8);
  ASSERT_EQ(call("fd_write", {1, kIovAddr, 2, kResultAddr}), abi::kSuccess);
  EXPECT_EQ(get_u32(kResultAddr), 13u);
  char buf[32] = {};
  ASSERT_EQ(read(pipe_fds[0], buf, sizeof(buf)), 13);
  EXPECT_STREQ(buf, "Hello, world\n");
  // A pipe cannot seek.
  EXPECT_EQ(call("fd_seek", {1, 0, abi::kWhenceSet, kResultAddr}), abi::kSpipe);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
}

TEST_F(WasiTest, FileWriteSeekReadTellRoundTrip) {
  start({});
  uint32_t fd = open_path("out.txt", abi::kOflagCreat | abi::kOflagTrunc, kReadWrite);
  put_bytes(kDataAddr, "0123456789");
  put_iovec(kIovAddr, kDataAddr, 10);
  ASSERT_EQ(call("fd_write", {fd, kIovAddr, 1, kResultAddr}), abi::kSuccess);
  ASSERT_EQ(call("fd_seek", {fd, static_cast<uint64_t>(-4), abi::kWhenceCur, kResultAddr}),
            abi::kSuccess);
  EXPECT_EQ(get_u64(kResultAddr), 6u);
  put_iovec(kIovAddr, kDataAddr + 200, 10);
  ASSERT_EQ(call("fd_read", {fd, kIovAddr, 1, kResultAddr}), abi::kSuccess);
  EXPECT_EQ(get_u32(kResultAddr), 4u);
  EXPECT_EQ(get_bytes(kDataAddr + 200, 4), "6789");
  ASSERT_EQ(call("fd_tell", {fd, kResultAddr}), abi::kSuccess);
  EXPECT_EQ(get_u64(kResultAddr), 10u);
  EXPECT_EQ(call("fd_seek", {fd, 0, 7, kResultAddr}), abi::kInval);
  ASSERT_EQ(call("fd_filestat_get", {fd, kDataAddr}), abi::kSuccess);
  EXPECT_EQ(view().span(kDataAddr + abi::filestat::kFiletype, 1)[0], abi::kFiletypeRegularFile);
  EXPECT_EQ(get_u64(kDataAddr + abi::filestat::kFileSize), 10u);
  ASSERT_EQ(call("fd_close", {fd}), abi::kSuccess);
  EXPECT_EQ(call("fd_close", {fd}), abi::kBadf);
  EXPECT_EQ(call("fd_write", {fd, kIovAddr, 1, kResultAddr}), abi::kBadf);
  // The bytes really are on the host disk.
  char host[16] = {};
  int host_fd = ::open((root_ + "/granted/out.txt").c_str(), O_RDONLY);
  ASSERT_GE(host_fd, 0);
  EXPECT_EQ(::read(host_fd, host, sizeof(host)), 10);
  ::close(host_fd);
  EXPECT_STREQ(host, "0123456789");
}

TEST_F(WasiTest, RightsLimitWhatADescriptorMayDo) {
  start({});
  uint32_t fd = open_path("hello.txt", 0, abi::kRightFdRead);
  put_bytes(kDataAddr, "x");
  put_iovec(kIovAddr, kDataAddr, 1);
  EXPECT_EQ(call("fd_write", {fd, kIovAddr, 1, kResultAddr}), abi::kNotcapable);
  EXPECT_EQ(call("fd_seek", {fd, 1, abi::kWhenceSet, kResultAddr}), abi::kNotcapable);
  ASSERT_EQ(call("fd_fdstat_get", {fd, kDataAddr}), abi::kSuccess);
  EXPECT_EQ(view().span(kDataAddr, 1)[0], abi::kFiletypeRegularFile);
  EXPECT_EQ(get_u64(kDataAddr + abi::fdstat::kRightsBase), abi::kRightFdRead);
}

TEST_F(WasiTest, CreatesListsAndRemovesEntries) {
  start({});
  put_bytes(kPathAddr, "newdir");
  ASSERT_EQ(call("path_create_directory", {3, kPathAddr, 6}), abi::kSuccess);
  EXPECT_EQ(call("path_create_directory", {3, kPathAddr, 6}), abi::kExist);
  ASSERT_EQ(call("path_filestat_get", {3, 0, kPathAddr, 6, kDataAddr}), abi::kSuccess);
  EXPECT_EQ(view().span(kDataAddr + abi::filestat::kFiletype, 1)[0], abi::kFiletypeDirectory);

  // fd_readdir on the preopen lists what is there (plus "." and "..").
  ASSERT_EQ(call("fd_readdir", {3, kDataAddr, 4096, 0, kResultAddr}), abi::kSuccess);
  uint32_t used = get_u32(kResultAddr);
  ASSERT_LT(used, 4096u);
  std::vector<std::string> names;
  for (uint32_t at = 0; at < used;) {
    uint32_t len = get_u32(kDataAddr + at + abi::dirent::kNamlen);
    names.push_back(get_bytes(kDataAddr + at + abi::dirent::kSize, len));
    at += abi::dirent::kSize + len;
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{".", "..", "hello.txt", "newdir", "sub"}));
  // A tiny buffer is filled completely, telling the guest there is more.
  ASSERT_EQ(call("fd_readdir", {3, kDataAddr, 10, 0, kResultAddr}), abi::kSuccess);
  EXPECT_EQ(get_u32(kResultAddr), 10u);

  put_bytes(kPathAddr, "hello.txt");
  EXPECT_EQ(call("path_remove_directory", {3, kPathAddr, 9}), abi::kNotdir);
  ASSERT_EQ(call("path_unlink_file", {3, kPathAddr, 9}), abi::kSuccess);
  EXPECT_EQ(call("path_filestat_get", {3, 0, kPathAddr, 9, kDataAddr}), abi::kNoent);
  put_bytes(kPathAddr, "newdir");
  ASSERT_EQ(call("path_remove_directory", {3, kPathAddr, 6}), abi::kSuccess);
  EXPECT_NE(::access((root_ + "/granted/newdir").c_str(), F_OK), 0);
  put_bytes(kPathAddr, "../secret.txt");
  EXPECT_EQ(call("path_unlink_file", {3, kPathAddr, 13}), abi::kNotcapable);
  EXPECT_EQ(::access((root_ + "/secret.txt").c_str(), F_OK), 0);
}

TEST_F(WasiTest, PositionalIoLeavesTheCursorAlone) {
  start({});
  uint32_t fd = open_path("hello.txt", 0, abi::kFileRights);
  put_bytes(kDataAddr, "SAND");
  put_iovec(kIovAddr, kDataAddr, 4);
  ASSERT_EQ(call("fd_pwrite", {fd, kIovAddr, 1, 7, kResultAddr}), abi::kSuccess);
  EXPECT_EQ(get_u32(kResultAddr), 4u);
  put_iovec(kIovAddr, kDataAddr + 100, 6);
  ASSERT_EQ(call("fd_pread", {fd, kIovAddr, 1, 5, kResultAddr}), abi::kSuccess);
  EXPECT_EQ(get_bytes(kDataAddr + 100, 6), ", SAND");
  ASSERT_EQ(call("fd_tell", {fd, kResultAddr}), abi::kSuccess);
  EXPECT_EQ(get_u64(kResultAddr), 0u);
  ASSERT_EQ(call("fd_filestat_set_size", {fd, 5}), abi::kSuccess);
  ASSERT_EQ(call("fd_filestat_get", {fd, kDataAddr}), abi::kSuccess);
  EXPECT_EQ(get_u64(kDataAddr + abi::filestat::kFileSize), 5u);
  EXPECT_EQ(call("fd_sync", {fd}), abi::kSuccess);
  EXPECT_EQ(call("fd_advise", {fd, 0, 0, abi::kAdviceSequential}), abi::kSuccess);
  EXPECT_EQ(call("fd_advise", {fd, 0, 0, 9}), abi::kInval);
}

TEST_F(WasiTest, RightsCanBeDroppedButNotRegained) {
  start({});
  uint32_t fd = open_path("hello.txt", 0, kReadWrite);
  ASSERT_EQ(call("fd_fdstat_set_rights", {fd, abi::kRightFdRead, 0}), abi::kSuccess);
  put_iovec(kIovAddr, kDataAddr, 1);
  EXPECT_EQ(call("fd_write", {fd, kIovAddr, 1, kResultAddr}), abi::kNotcapable);
  EXPECT_EQ(call("fd_fdstat_set_rights", {fd, abi::kRightFdRead | abi::kRightFdWrite, 0}),
            abi::kNotcapable);
}

TEST_F(WasiTest, RenumberMovesADescriptor) {
  start({});
  uint32_t a = open_path("hello.txt", 0, kReadWrite);
  uint32_t b = open_path("sub", abi::kOflagDirectory, abi::kRightFdReaddir);
  ASSERT_EQ(call("fd_renumber", {a, b}), abi::kSuccess);
  EXPECT_EQ(call("fd_close", {a}), abi::kBadf);
  put_iovec(kIovAddr, kDataAddr, 5);
  ASSERT_EQ(call("fd_read", {b, kIovAddr, 1, kResultAddr}), abi::kSuccess);
  EXPECT_EQ(get_bytes(kDataAddr, 5), "hello");
  EXPECT_EQ(call("fd_renumber", {b, 77}), abi::kBadf);
}

TEST_F(WasiTest, RenameAndReadlinkStayInside) {
  ASSERT_EQ(symlink("../secret.txt", (root_ + "/granted/link").c_str()), 0);
  start({});
  put_bytes(kPathAddr, "hello.txt");
  put_bytes(kPathAddr + 100, "sub/renamed.txt");
  ASSERT_EQ(call("path_rename", {3, kPathAddr, 9, 3, kPathAddr + 100, 15}), abi::kSuccess);
  EXPECT_EQ(::access((root_ + "/granted/sub/renamed.txt").c_str(), F_OK), 0);
  put_bytes(kPathAddr + 200, "../stolen.txt");
  EXPECT_EQ(call("path_rename", {3, kPathAddr + 100, 15, 3, kPathAddr + 200, 13}),
            abi::kNotcapable);
  EXPECT_NE(::access((root_ + "/stolen.txt").c_str(), F_OK), 0);

  put_bytes(kPathAddr, "link");
  ASSERT_EQ(call("path_readlink", {3, kPathAddr, 4, kDataAddr, 64, kResultAddr}), abi::kSuccess);
  EXPECT_EQ(get_bytes(kDataAddr, get_u32(kResultAddr)), "../secret.txt");
  ASSERT_EQ(call("path_readlink", {3, kPathAddr, 4, kDataAddr, 3, kResultAddr}), abi::kSuccess);
  EXPECT_EQ(get_u32(kResultAddr), 3u);
  EXPECT_EQ(call("path_readlink", {3, kPathAddr, 4, kMemoryBytes - 2, 64, kResultAddr}),
            abi::kFault);
}

TEST_F(WasiTest, SetTimes) {
  start({});
  put_bytes(kPathAddr, "hello.txt");
  const uint64_t t = 1000000000ull * 1234567890ull + 5;
  ASSERT_EQ(call("path_filestat_set_times",
                 {3, 0, kPathAddr, 9, t, t, abi::kFstAtim | abi::kFstMtim}),
            abi::kSuccess);
  ASSERT_EQ(call("path_filestat_get", {3, 0, kPathAddr, 9, kDataAddr}), abi::kSuccess);
  EXPECT_EQ(get_u64(kDataAddr + abi::filestat::kMtim), t);
  EXPECT_EQ(call("path_filestat_set_times", {3, 0, kPathAddr, 9, t, t, abi::kFstAtim | abi::kFstAtimNow}),
            abi::kInval);
  uint32_t fd = open_path("hello.txt", 0, kReadWrite | abi::kRightFdFilestatSetTimes);
  ASSERT_EQ(call("fd_filestat_set_times", {fd, 0, t + 1000, abi::kFstMtim}), abi::kSuccess);
  ASSERT_EQ(call("fd_filestat_get", {fd, kDataAddr}), abi::kSuccess);
  EXPECT_EQ(get_u64(kDataAddr + abi::filestat::kMtim), t + 1000);
  EXPECT_EQ(get_u64(kDataAddr + abi::filestat::kAtim), t);
}

TEST_F(WasiTest, ProcExitEndsExecutionWithTheCode) {
  start({});
  auto [hr, unused] = call_raw("proc_exit", {3});
  EXPECT_EQ(hr.kind, engine::TrapKind::Exit);
  EXPECT_EQ(hr.exit_code, 3);
}

TEST_F(WasiTest, ClocksAndRandom) {
  start({});
  ASSERT_EQ(call("clock_time_get", {abi::kClockMonotonic, 1, kResultAddr}), abi::kSuccess);
  uint64_t first = get_u64(kResultAddr);
  ASSERT_EQ(call("clock_time_get", {abi::kClockMonotonic, 1, kResultAddr}), abi::kSuccess);
  EXPECT_GE(get_u64(kResultAddr), first);
  ASSERT_EQ(call("clock_time_get", {abi::kClockRealtime, 1, kResultAddr}), abi::kSuccess);
  EXPECT_GT(get_u64(kResultAddr), 1600000000ull * 1000000000ull);  // after September 2020
  for (uint32_t id : {abi::kClockProcessCputime, abi::kClockThreadCputime}) {
    EXPECT_EQ(call("clock_res_get", {id, kResultAddr}), abi::kSuccess);
    EXPECT_GT(get_u64(kResultAddr), 0u);
  }
  EXPECT_EQ(call("clock_time_get", {9, 1, kResultAddr}), abi::kInval);

  std::string zeros(64, '\0');
  put_bytes(kDataAddr, zeros);
  ASSERT_EQ(call("random_get", {kDataAddr, 64}), abi::kSuccess);
  EXPECT_NE(get_bytes(kDataAddr, 64), zeros);  // 2^-512 chance of a false failure
}

TEST_F(WasiTest, PollOneoffSleepsOnARelativeClock) {
  start({});
  uint8_t* sub = view().span(kDataAddr, abi::subscription::kSize);
  memset(sub, 0, abi::subscription::kSize);
  wasi::put_u64(sub + abi::subscription::kUserdata, 0xABCDu);
  sub[abi::subscription::kTag] = abi::kEventClock;
  wasi::put_u32(sub + abi::subscription::kClockId, abi::kClockMonotonic);
  wasi::put_u64(sub + abi::subscription::kClockTimeout, 20 * 1000 * 1000);  // 20 ms
  uint32_t events = kDataAddr + 512;
  ASSERT_EQ(call("clock_time_get", {abi::kClockMonotonic, 1, kResultAddr}), abi::kSuccess);
  uint64_t before = get_u64(kResultAddr);
  ASSERT_EQ(call("poll_oneoff", {kDataAddr, events, 1, kResultAddr}), abi::kSuccess);
  EXPECT_EQ(get_u32(kResultAddr), 1u);
  ASSERT_EQ(call("clock_time_get", {abi::kClockMonotonic, 1, kResultAddr + 8}), abi::kSuccess);
  EXPECT_GE(get_u64(kResultAddr + 8) - before, 20u * 1000 * 1000);
  EXPECT_EQ(get_u64(events + abi::event::kUserdata), 0xABCDu);
  EXPECT_EQ(view().span(events + abi::event::kType, 1)[0], abi::kEventClock);
  EXPECT_EQ(call("poll_oneoff", {kDataAddr, events, 0, kResultAddr}), abi::kInval);
}

TEST_F(WasiTest, PollOneoffReportsAReadableDescriptor) {
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  WasiConfig config;
  config.stdin_fd = pipe_fds[0];
  start(config);
  ASSERT_EQ(::write(pipe_fds[1], "x", 1), 1);
  uint8_t* subs = view().span(kDataAddr, 2 * abi::subscription::kSize);
  memset(subs, 0, 2 * abi::subscription::kSize);
  // Subscription 0: stdin readable. Subscription 1: a 10 s timeout that must not fire.
  wasi::put_u64(subs + abi::subscription::kUserdata, 1);
  subs[abi::subscription::kTag] = abi::kEventFdRead;
  wasi::put_u32(subs + abi::subscription::kFd, 0);
  uint8_t* clock = subs + abi::subscription::kSize;
  wasi::put_u64(clock + abi::subscription::kUserdata, 2);
  clock[abi::subscription::kTag] = abi::kEventClock;
  wasi::put_u32(clock + abi::subscription::kClockId, abi::kClockMonotonic);
  wasi::put_u64(clock + abi::subscription::kClockTimeout, 10ull * 1000 * 1000 * 1000);
  uint32_t events = kDataAddr + 512;
  ASSERT_EQ(call("poll_oneoff", {kDataAddr, events, 2, kResultAddr}), abi::kSuccess);
  ASSERT_EQ(get_u32(kResultAddr), 1u);
  EXPECT_EQ(get_u64(events + abi::event::kUserdata), 1u);
  EXPECT_EQ(view().span(events + abi::event::kType, 1)[0], abi::kEventFdRead);
  // A closed descriptor is reported at once with EBADF.
  wasi::put_u32(subs + abi::subscription::kFd, 99);
  ASSERT_EQ(call("poll_oneoff", {kDataAddr, events, 2, kResultAddr}), abi::kSuccess);
  ASSERT_EQ(get_u32(kResultAddr), 1u);
  EXPECT_EQ(get_u32(events + abi::event::kError) & 0xFFFF, abi::kBadf);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
}

}  // namespace
}  // namespace continuum::wasi::testing
