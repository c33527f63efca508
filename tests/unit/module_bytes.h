// Helpers for writing small WebAssembly binaries by hand in unit tests:
// LEB128 numbers, size-prefixed sections and vectors. Tests must not depend
// on files or tools outside the build, so every module is spelled out in bytes.
#pragma once

#include <stdint.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace continuum::test {

using Bytes = std::vector<uint8_t>;

inline Bytes leb(uint64_t v) {
  Bytes out;
  do {
    uint8_t b = v & 0x7F;
    v >>= 7;
    if (v) b |= 0x80;
    out.push_back(b);
  } while (v);
  return out;
}

inline Bytes sleb(int64_t v) {
  Bytes out;
  for (;;) {
    uint8_t b = v & 0x7F;
    v >>= 7;
    bool done = (v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40));
    if (!done) b |= 0x80;
    out.push_back(b);
    if (done) return out;
  }
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// vec(items): count followed by the items.
inline Bytes vec(std::initializer_list<Bytes> items) {
  Bytes out = leb(items.size());
  for (const Bytes& i : items) out.insert(out.end(), i.begin(), i.end());
  return out;
}

inline Bytes name(const std::string& s) { return cat({leb(s.size()), Bytes(s.begin(), s.end())}); }

inline Bytes section(uint8_t id, const Bytes& payload) { return cat({{id}, leb(payload.size()), payload}); }

inline Bytes header() { return {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00}; }

inline Bytes module(std::initializer_list<Bytes> sections) {
  Bytes out = header();
  for (const Bytes& s : sections) out.insert(out.end(), s.begin(), s.end());
  return out;
}

// Value types.
constexpr uint8_t I32 = 0x7F, I64 = 0x7E, F32 = 0x7D, F64 = 0x7C, V128 = 0x7B, FUNCREF = 0x70,
                  EXTERNREF = 0x6F;

inline Bytes func_type(Bytes params, Bytes results) {
  return cat({{0x60}, leb(params.size()), params, leb(results.size()), results});
}

// A code-section entry: local groups (count, type) and instructions. The
// final `end` is not added: tests often want to get it wrong.
inline Bytes code_entry(std::initializer_list<std::pair<uint32_t, uint8_t>> locals, const Bytes& instrs) {
  Bytes body = leb(locals.size());
  for (auto [n, t] : locals) {
    Bytes c = leb(n);
    body.insert(body.end(), c.begin(), c.end());
    body.push_back(t);
  }
  body.insert(body.end(), instrs.begin(), instrs.end());
  return cat({leb(body.size()), body});
}

// A module with one type (params -> results) and one function of that type
// whose body is `instrs` (which must include the final end).
inline Bytes one_function(Bytes params, Bytes results, const Bytes& instrs,
                          std::initializer_list<std::pair<uint32_t, uint8_t>> locals = {}) {
  return module({section(1, vec({func_type(params, results)})), section(3, vec({{0x00}})),
                 section(10, vec({code_entry(locals, instrs)}))});
}

}  // namespace continuum::test
