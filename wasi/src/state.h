// What one guest's WASI world consists of: its configuration and its file
// descriptor table, plus the small helpers every preview1 function uses to
// read arguments and reach guest memory.
#pragma once

#include <stdint.h>

#include <string>
#include <vector>

#include "abi.h"
#include "continuum/engine/runtime.h"
#include "continuum/wasi/wasi.h"

namespace continuum::wasi {

struct DirListing;  // fd_readdir's snapshot of a directory (fd_readdir.cc)
void destroy_listing(DirListing* listing);

// One guest descriptor. The guest never sees host descriptor numbers.
struct FdEntry {
  bool open = false;
  int host_fd = -1;
  bool owns_host_fd = false;  // stdio is borrowed from the embedder and never closed
  uint8_t filetype = abi::kFiletypeUnknown;
  uint64_t rights_base = 0;
  uint64_t rights_inheriting = 0;
  bool is_preopen = false;
  std::string preopen_name;   // the directory name the guest sees (preopens only)
  DirListing* listing = nullptr;  // owned; created by the first fd_readdir
};

struct FunctionSpec;

// Binds one host function to this guest: the engine hands `user` back on
// every call, and it points at one of these.
struct Binding {
  WasiContext::State* state = nullptr;
  const FunctionSpec* spec = nullptr;
};

struct WasiContext::State {
  WasiConfig config;
  std::vector<FdEntry> fds;
  std::vector<Binding> bindings;  // one per preview1 function; sized once, never moves
  std::string error_detail;

  // The entry for guest descriptor `fd`, or nullptr when it is not open.
  FdEntry* lookup(uint32_t fd) {
    if (fd >= fds.size() || !fds[fd].open) return nullptr;
    return &fds[fd];
  }
  // The entry for `fd` if it is open (else EBADF) and carries every right in
  // `rights` (else ENOTCAPABLE).
  abi::Errno lookup(uint32_t fd, uint64_t rights, FdEntry** out) {
    FdEntry* e = lookup(fd);
    if (e == nullptr) return abi::kBadf;
    if ((e->rights_base & rights) != rights) return abi::kNotcapable;
    *out = e;
    return abi::kSuccess;
  }
  // Takes the lowest free descriptor number for `entry`.
  uint32_t add(FdEntry entry);
  // Releases the host descriptor (if owned) and frees the slot.
  void close(uint32_t fd);
};
using State = WasiContext::State;

// What a preview1 function works on: the guest's state and memory.
struct Guest {
  State& state;
  engine::MemoryView mem;
};

// Argument slots: i32 parameters arrive in the low 32 bits.
inline uint32_t arg_u32(const uint64_t* args, int i) { return static_cast<uint32_t>(args[i]); }
inline uint64_t arg_u64(const uint64_t* args, int i) { return args[i]; }

// Ends a preview1 call with its errno.
inline engine::HostResult reply(uint64_t* results, abi::Errno e) {
  results[0] = e;
  return engine::HostResult::ok();
}

// Little-endian stores into a host buffer that was bounds-checked already.
inline void put_u16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}
inline void put_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline void put_u64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline uint16_t get_u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
inline uint32_t get_u32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
inline uint64_t get_u64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace continuum::wasi
