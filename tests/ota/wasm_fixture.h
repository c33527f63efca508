// Valid WebAssembly modules of any size for the OTA tests and benchmark,
// written byte by byte: host imports from "continuum", one empty function,
// a memory and an active data segment of pseudo-random bytes (the bulk that
// makes a module 100 KB), optionally a ctm.grants section.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace continuum::ota::testing {

inline void leb(std::string& out, uint32_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out += static_cast<char>(v ? b | 0x80 : b);
  } while (v);
}

inline std::string section(uint8_t id, const std::string& body) {
  std::string out(1, static_cast<char>(id));
  leb(out, static_cast<uint32_t>(body.size()));
  return out + body;
}

inline std::string name(const std::string& s) {
  std::string out;
  leb(out, static_cast<uint32_t>(s.size()));
  return out + s;
}

struct ModuleSpec {
  size_t data_bytes = 1024;
  uint32_t seed = 1;                                 // different seeds, different bytes
  std::vector<std::string> host_imports = {"kv_get"};  // names in module "continuum"
  std::string grants;                                // ctm.grants payload; empty: no section
};

inline std::string make_module(const ModuleSpec& spec) {
  std::string m("\0asm\1\0\0\0", 8);
  // types: 0 = (i32 i32 i32 i32) -> i32 for the imports, 1 = () -> ()
  m += section(1, std::string("\x02\x60\x04\x7f\x7f\x7f\x7f\x01\x7f\x60\x00\x00", 12));
  std::string imports;
  leb(imports, static_cast<uint32_t>(spec.host_imports.size()));
  for (const std::string& f : spec.host_imports) imports += name("continuum") + name(f) + std::string("\x00\x00", 2);
  m += section(2, imports);
  m += section(3, std::string("\x01\x01", 2));
  uint32_t pages = static_cast<uint32_t>(spec.data_bytes / 65536 + 1);
  std::string memory("\x01\x00", 2);
  leb(memory, pages);
  m += section(5, memory);
  m += section(10, std::string("\x01\x02\x00\x0b", 4));
  std::string data("\x01\x00\x41\x00\x0b", 5);  // one active segment at i32.const 0
  leb(data, static_cast<uint32_t>(spec.data_bytes));
  uint32_t x = spec.seed * 2654435761u + 1;
  for (size_t i = 0; i < spec.data_bytes; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    data += static_cast<char>(x & 0xff);
  }
  m += section(11, data);
  if (!spec.grants.empty()) m += section(0, name("ctm.grants") + spec.grants);
  return m;
}

}  // namespace continuum::ota::testing
