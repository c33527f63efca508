// What the wasm and the native binding share: once a binding has turned its
// arguments into host values (a tuple, one element per table parameter), the
// grant check and the call into StageHost are the same.
#pragma once

#include <stdint.h>

#include <string_view>
#include <tuple>
#include <type_traits>

#include "continuum/host/stage_host.h"

namespace continuum::host::binding {

// The resource a named grant is checked against: the first (STR, LEN) pair.
template <class Tuple>
std::string_view resource_of(const Tuple& args) {
  if constexpr (std::tuple_size_v<Tuple> >= 2) {
    if constexpr (std::is_same_v<std::tuple_element_t<0, Tuple>, const char*> &&
                  std::is_same_v<std::tuple_element_t<1, Tuple>, uint32_t>) {
      if (std::get<0>(args) != nullptr) return {std::get<0>(args), std::get<1>(args)};
    }
  }
  return {};
}

// Admits the call (pointers, grant) and runs it, or returns the refusal.
template <class R, class Tuple, class Call>
R dispatch(StageHost& host, ImportId id, bool pointers_ok, const Tuple& args, Call call) {
  std::string_view resource =
      grant_kind_is_named(import_info(id).grant) ? resource_of(args) : std::string_view();
  int32_t admitted = host.admit(id, resource, pointers_ok);
  if (admitted != kOK) return admitted;
  return std::apply(call, args);
}

}  // namespace continuum::host::binding
