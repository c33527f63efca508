#include "continuum/ota/wasm_sections.h"

namespace continuum::ota {

void append_leb_u32(std::string& out, uint32_t value) {
  do {
    uint8_t byte = value & 0x7f;
    value >>= 7;
    if (value) byte |= 0x80;
    out += static_cast<char>(byte);
  } while (value);
}

bool read_leb_u32(std::string_view in, size_t* pos, uint32_t* value) {
  uint32_t result = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    if (*pos >= in.size()) return false;
    uint8_t byte = static_cast<uint8_t>(in[(*pos)++]);
    if (shift == 28 && (byte & 0x70)) return false;  // more than 32 bits
    result |= static_cast<uint32_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      *value = result;
      return true;
    }
  }
  return false;
}

void append_string(std::string& out, std::string_view s) {
  append_leb_u32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

bool read_string(std::string_view in, size_t* pos, std::string* s) {
  uint32_t size = 0;
  if (!read_leb_u32(in, pos, &size) || size > in.size() - *pos) return false;
  s->assign(in.substr(*pos, size));
  *pos += size;
  return true;
}

std::optional<std::vector<RawSection>> split_sections(std::string_view module, std::string* error) {
  static constexpr char kHeader[8] = {'\0', 'a', 's', 'm', 1, 0, 0, 0};
  if (module.size() < 8 || module.substr(0, 8) != std::string_view(kHeader, 8)) {
    *error = "not a WebAssembly module (bad magic number or version)";
    return std::nullopt;
  }
  std::vector<RawSection> sections;
  size_t pos = 8;
  while (pos < module.size()) {
    RawSection s;
    s.begin = pos;
    s.id = static_cast<uint8_t>(module[pos++]);
    uint32_t size = 0;
    if (!read_leb_u32(module, &pos, &size) || size > module.size() - pos) {
      *error = "section at offset " + std::to_string(s.begin) + " runs past the end of the module";
      return std::nullopt;
    }
    s.end = pos + size;
    s.payload_begin = pos;
    if (s.id == 0) {
      std::string_view body = module.substr(0, s.end);
      if (!read_string(body, &s.payload_begin, &s.name)) {
        *error = "custom section at offset " + std::to_string(s.begin) + " has a malformed name";
        return std::nullopt;
      }
    }
    pos = s.end;
    sections.push_back(std::move(s));
  }
  return sections;
}

std::string encode_custom_section(std::string_view name, std::string_view payload) {
  std::string body;
  append_string(body, name);
  body.append(payload);
  std::string out(1, '\0');
  append_leb_u32(out, static_cast<uint32_t>(body.size()));
  return out + body;
}

}  // namespace continuum::ota
