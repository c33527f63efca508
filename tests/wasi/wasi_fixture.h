// A guest without code: a WASI context defined on a real store, one page of
// linear memory, and a scratch directory tree on the host. Tests call the
// preview1 functions the way the engine would, then look at memory and disk.
#pragma once

#include <gtest/gtest.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <initializer_list>
#include <memory>
#include <string>

#include "continuum/engine/port.h"
#include "continuum/engine/runtime.h"
#include "continuum/wasi/wasi.h"
#include "functions.h"
#include "state.h"

namespace continuum::wasi::testing {

inline constexpr uint32_t kMemoryBytes = 65536;

class WasiTest : public ::testing::Test {
 protected:
  WasiTest()
      : store_(engine::port::system_allocator(), engine::EngineConfig{}),
        linker_(engine::port::system_allocator()) {}

  void SetUp() override {
    char tmpl[] = "/tmp/continuum-wasi-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    ASSERT_EQ(mkdir((root_ + "/granted").c_str(), 0755), 0);
    ASSERT_EQ(mkdir((root_ + "/granted/sub").c_str(), 0755), 0);
    write_host_file(root_ + "/granted/hello.txt", "hello, sandbox\n");
    write_host_file(root_ + "/secret.txt", "outside\n");
  }

  void TearDown() override {
    ctx_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }

  // Defines WASI with `config` (the scratch "granted" directory as "/data"
  // unless preopens were given) and creates the guest's memory.
  void start(WasiConfig config, bool grant = true) {
    if (grant && config.preopens.empty()) config.preopens.push_back({root_ + "/granted", "/data"});
    ctx_ = std::make_unique<WasiContext>(std::move(config));
    auto defined = ctx_->define(store_, linker_);
    ASSERT_TRUE(defined.ok()) << ctx_->error_detail();
    engine::MemoryType type;
    type.limits.min = 1;
    type.limits.max = 1;
    type.limits.has_max = true;
    auto memory = store_.create_memory(type);
    ASSERT_TRUE(memory.ok());
    memory_ = memory.value();
  }

  engine::MemoryView view() const { return engine::MemoryView(memory_); }

  // Calls preview1 function `name` and returns its errno.
  uint32_t call(const char* name, std::initializer_list<uint64_t> args) {
    return static_cast<uint32_t>(call_raw(name, args).second);
  }
  std::pair<engine::HostResult, uint64_t> call_raw(const char* name,
                                                   std::initializer_list<uint64_t> args) {
    const FunctionSpec* spec = find_function(name);
    EXPECT_NE(spec, nullptr) << name;
    if (spec == nullptr) return {engine::HostResult::ok(), ~0ull};
    EXPECT_EQ(args.size(), spec->num_params) << name;
    uint64_t slots[kMaxParams] = {};
    size_t i = 0;
    for (uint64_t a : args) slots[i++] = a;
    uint64_t result = ~0ull;
    Guest guest{*ctx_->state(), view()};
    engine::HostResult hr = spec->impl(guest, slots, &result);
    return {hr, result};
  }

  // Guest memory helpers.
  void put_bytes(uint32_t addr, const std::string& s) {
    ASSERT_TRUE(view().write(addr, s.data(), s.size()));
  }
  std::string get_bytes(uint32_t addr, uint32_t len) {
    std::string s(len, '\0');
    EXPECT_TRUE(view().read(addr, s.data(), len));
    return s;
  }
  uint32_t get_u32(uint32_t addr) {
    uint32_t v = 0;
    EXPECT_TRUE(view().read_u32(addr, &v));
    return v;
  }
  uint64_t get_u64(uint32_t addr) {
    uint64_t v = 0;
    EXPECT_TRUE(view().read(addr, &v, 8));
    return v;
  }
  void put_u32(uint32_t addr, uint32_t v) { ASSERT_TRUE(view().write_u32(addr, v)); }
  // One iovec {buf, len} at `addr`.
  void put_iovec(uint32_t addr, uint32_t buf, uint32_t len) {
    put_u32(addr, buf);
    put_u32(addr + 4, len);
  }

  // Opens `path` under the preopen (fd 3) and returns the new fd, or fails.
  uint32_t open_path(const std::string& path, uint32_t oflags, uint64_t rights,
                     uint32_t lookup = abi::kLookupSymlinkFollow) {
    put_bytes(kPathAddr, path);
    uint32_t err = call("path_open", {3, lookup, kPathAddr, path.size(), oflags, rights, 0, 0,
                                      kResultAddr});
    EXPECT_EQ(err, abi::kSuccess) << path;
    return get_u32(kResultAddr);
  }
  uint32_t open_errno(const std::string& path, uint32_t lookup = abi::kLookupSymlinkFollow) {
    put_bytes(kPathAddr, path);
    return call("path_open", {3, lookup, kPathAddr, path.size(), 0, abi::kRightFdRead, 0, 0,
                              kResultAddr});
  }

  static void write_host_file(const std::string& path, const std::string& text) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0) << path;
    ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    ::close(fd);
  }

  static constexpr uint32_t kPathAddr = 1024;
  static constexpr uint32_t kResultAddr = 64;
  static constexpr uint32_t kIovAddr = 128;
  static constexpr uint32_t kDataAddr = 4096;

  engine::Store store_;
  engine::Linker linker_;
  engine::MemoryInstance* memory_ = nullptr;
  std::unique_ptr<WasiContext> ctx_;
  std::string root_;
};

}  // namespace continuum::wasi::testing
