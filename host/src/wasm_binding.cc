// The wasm binding: one engine host function per table entry. Every guest
// pointer becomes a host pointer only through engine::MemoryView::span, which
// refuses any byte outside the guest's memory; then the shared dispatch
// checks the grant and calls StageHost.
#include <bit>
#include <array>

#include "binding_dispatch.h"
#include "bindings.h"

namespace continuum::host {
namespace {

using engine::HostCall;
using engine::HostResult;
using engine::ValType;

// Reads raw argument slots as the table's parameter tokens (arg_<TOKEN>).
class GuestArgs {
 public:
  GuestArgs(engine::MemoryView memory, const uint64_t* slots) : memory_(memory), slots_(slots) {}

  int32_t arg_I32(int i) const { return static_cast<int32_t>(static_cast<uint32_t>(slots_[i])); }
  uint32_t arg_LEN(int i) const { return static_cast<uint32_t>(slots_[i]); }
  double arg_F64(int i) const { return std::bit_cast<double>(slots_[i]); }
  // STR, BUF_IN and BUF_OUT are followed by their length (the table's rule).
  const char* arg_STR(int i) { return reinterpret_cast<const char*>(bytes(i, arg_LEN(i + 1))); }
  const uint8_t* arg_BUF_IN(int i) { return bytes(i, arg_LEN(i + 1)); }
  uint8_t* arg_BUF_OUT(int i) { return bytes(i, arg_LEN(i + 1)); }
  uint8_t* arg_OUT_F64(int i) { return bytes(i, sizeof(double)); }

  bool pointers_ok() const { return pointers_ok_; }

 private:
  uint8_t* bytes(int i, uint32_t len) {
    uint8_t* p = memory_.valid() ? memory_.span(static_cast<uint32_t>(slots_[i]), len) : nullptr;
    if (p == nullptr) pointers_ok_ = false;
    return p;
  }

  engine::MemoryView memory_;
  const uint64_t* slots_;
  bool pointers_ok_ = true;
};

uint64_t to_slot(int32_t v) { return static_cast<uint32_t>(v); }
uint64_t to_slot(int64_t v) { return static_cast<uint64_t>(v); }

#define CTM_WASM_ARG(T, p, i) guest.CTM_ABI_CAT(arg_, T)(i)
#define CTM_WASM_VALTYPE(T, p, i) ValType::CTM_ABI_WASM(T)

#define CTM_IMPORT(name, result, grant, n, params, doc)                                     \
  HostResult wasm_##name(HostCall& call, const uint64_t* args, uint64_t* results) {         \
    StageHost& host = *static_cast<StageHost*>(call.user);                                  \
    GuestArgs guest(call.memory(), args);                                                   \
    std::tuple<CTM_ABI_EACH(n, CTM_HOST_TYPE_ONLY, params)> host_args{                      \
        CTM_ABI_EACH(n, CTM_WASM_ARG, params)};                                             \
    results[0] = to_slot(binding::dispatch<CTM_ABI_CTYPE(result)>(                          \
        host, ImportId::name, guest.pointers_ok(), host_args,                               \
        [&host](auto... a) { return host.name(a...); }));                                   \
    return HostResult::ok();                                                                \
  }                                                                                         \
  constexpr std::array<ValType, n> kParams_##name{{CTM_ABI_EACH(n, CTM_WASM_VALTYPE, params)}}; \
  constexpr ValType kResult_##name = ValType::result;
#include "continuum_abi.def"
#undef CTM_IMPORT

}  // namespace

engine::Result<void> define_wasm_imports(engine::Store& store, engine::Linker& linker,
                                         StageHost& host) {
#define CTM_IMPORT(name, result, grant, n, params, doc)                                   \
  {                                                                                       \
    engine::Signature sig{kParams_##name.data(), n, &kResult_##name, 1};                  \
    engine::FuncInstance* f = nullptr;                                                    \
    CTM_TRY_ASSIGN(f, store.create_host_function(sig, wasm_##name, &host,                 \
                                                 CTM_ABI_MODULE "." #name));              \
    CTM_TRY(linker.define(CTM_ABI_MODULE, #name, engine::ExternVal::func(f)));            \
  }
#include "continuum_abi.def"
#undef CTM_IMPORT
  return engine::Ok();
}

}  // namespace continuum::host
