// Just enough of the WebAssembly binary format to find, remove and append
// custom sections without decoding the module (the signature must be
// checked before anything else looks at the bytes).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace continuum::ota {

struct RawSection {
  uint8_t id = 0;
  size_t begin = 0;          // offset of the id byte
  size_t end = 0;            // one past the last payload byte
  size_t payload_begin = 0;  // for custom sections: after the name
  std::string name;          // custom sections only
};

// Splits a module into its sections. Fails (with `error`) on a bad header or
// a section running past the end.
std::optional<std::vector<RawSection>> split_sections(std::string_view module, std::string* error);

// One custom section, encoded: id 0, size, name, payload.
std::string encode_custom_section(std::string_view name, std::string_view payload);

// LEB128 helpers for the small binary formats inside custom sections.
void append_leb_u32(std::string& out, uint32_t value);
// Reads an unsigned LEB128 (at most 5 bytes) at *pos; false at the end or on overflow.
bool read_leb_u32(std::string_view in, size_t* pos, uint32_t* value);
void append_string(std::string& out, std::string_view s);  // length + bytes
bool read_string(std::string_view in, size_t* pos, std::string* s);

}  // namespace continuum::ota
