// WasiContext: builds the descriptor table (stdio + preopened directories)
// and defines one host function per row of the preview1 table.
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "continuum/wasi/wasi.h"
#include "functions.h"
#include "host_errno.h"
#include "state.h"

namespace continuum::wasi {
namespace {

constexpr const char* kModuleName = "wasi_snapshot_preview1";

// The one HostFunc behind every preview1 import: finds the guest's state and
// memory and forwards to the row's implementation.
engine::HostResult host_entry(engine::HostCall& call, const uint64_t* args, uint64_t* results) {
  const Binding* binding = static_cast<const Binding*>(call.user);
  Guest guest{*binding->state, call.memory()};
  return binding->spec->impl(guest, args, results);
}

FdEntry stdio_entry(int host_fd) {
  FdEntry e;
  e.open = true;
  e.host_fd = host_fd;
  e.owns_host_fd = false;
  struct stat st;
  if (::fstat(host_fd, &st) == 0) e.filetype = filetype_of_mode(st.st_mode);
  // wasi-libc's isatty() is "character device without seek/tell rights".
  e.rights_base = abi::kFileRights;
  if (e.filetype == abi::kFiletypeCharacterDevice) {
    e.rights_base &= ~(abi::kRightFdSeek | abi::kRightFdTell);
  }
  return e;
}

}  // namespace

uint32_t State::add(FdEntry entry) {
  for (uint32_t fd = 0; fd < fds.size(); ++fd) {
    if (!fds[fd].open) {
      fds[fd] = std::move(entry);
      return fd;
    }
  }
  fds.push_back(std::move(entry));
  return static_cast<uint32_t>(fds.size() - 1);
}

void State::close(uint32_t fd) {
  FdEntry& e = fds[fd];
  if (e.owns_host_fd) ::close(e.host_fd);
  destroy_listing(e.listing);
  e = FdEntry();
}

WasiContext::WasiContext(WasiConfig config) : state_(new State) {
  state_->config = std::move(config);
}

WasiContext::~WasiContext() {
  for (uint32_t fd = 0; fd < state_->fds.size(); ++fd) {
    if (state_->fds[fd].open) state_->close(fd);
  }
  delete state_;
}

const std::string& WasiContext::error_detail() const { return state_->error_detail; }

engine::Result<void> WasiContext::define(engine::Store& store, engine::Linker& linker) {
  State& s = *state_;
  for (uint32_t fd = 0; fd < s.fds.size(); ++fd) {
    if (s.fds[fd].open) s.close(fd);
  }
  s.fds.clear();
  s.add(stdio_entry(s.config.stdin_fd));
  s.add(stdio_entry(s.config.stdout_fd));
  s.add(stdio_entry(s.config.stderr_fd));

  // Preopens take descriptors 3, 4, ... in order: wasi-libc discovers them
  // by asking fd_prestat_get from 3 upwards until EBADF.
  for (const Preopen& p : s.config.preopens) {
    int fd = ::open(p.host_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      s.error_detail = "cannot open directory '" + p.host_path + "': " + strerror(errno);
      return engine::Error{"cannot open a preopened directory"};
    }
    FdEntry e;
    e.open = true;
    e.host_fd = fd;
    e.owns_host_fd = true;
    e.filetype = abi::kFiletypeDirectory;
    e.rights_base = abi::kDirectoryRights;
    e.rights_inheriting = abi::kDirectoryRights | abi::kFileRights;
    e.is_preopen = true;
    e.preopen_name = p.guest_path.empty() ? p.host_path : p.guest_path;
    s.add(std::move(e));
  }

  s.bindings.assign(kNumFunctions, Binding{});
  for (size_t i = 0; i < kNumFunctions; ++i) {
    const FunctionSpec& spec = kFunctions[i];
    s.bindings[i] = Binding{&s, &spec};
    engine::Signature sig{spec.params, spec.num_params, spec.results, spec.num_results};
    auto created = store.create_host_function(sig, &host_entry, &s.bindings[i], spec.name);
    if (!created.ok()) {
      s.error_detail = std::string("cannot create host function ") + spec.name;
      return created.error();
    }
    auto defined = linker.define(kModuleName, spec.name, engine::ExternVal::func(created.value()));
    if (!defined.ok()) {
      s.error_detail = std::string("cannot define ") + kModuleName + "." + spec.name;
      return defined.error();
    }
  }
  return engine::Ok();
}

}  // namespace continuum::wasi
