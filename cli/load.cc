#include "load.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

namespace continuum::cli {

using engine::Box;
using engine::Module;
using engine::ModuleDecoder;

bool read_file(const std::string& path, std::vector<uint8_t>* out, std::string* error) {
  FILE* f = fopen(path.c_str(), "rb");
  if (f == nullptr) {
    *error = "cannot read " + path + ": " + strerror(errno);
    return false;
  }
  out->clear();
  uint8_t buf[kDecodeChunkBytes];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out->insert(out->end(), buf, buf + n);
  bool failed = ferror(f) != 0;
  int saved = errno;
  fclose(f);
  if (failed) {
    *error = "cannot read " + path + ": " + strerror(saved);
    return false;
  }
  return true;
}

bool decode_bytes(engine::Allocator& alloc, const uint8_t* bytes, size_t size, Box<Module>* out,
                  std::string* error) {
  ModuleDecoder decoder(alloc);
  for (size_t at = 0; at < size; at += kDecodeChunkBytes) {
    size_t n = size - at < kDecodeChunkBytes ? size - at : kDecodeChunkBytes;
    auto fed = decoder.feed(bytes + at, n);
    if (!fed.ok()) {
      *error = describe_error(fed.error());
      return false;
    }
  }
  auto finished = decoder.finish();
  if (!finished.ok()) {
    *error = describe_error(finished.error());
    return false;
  }
  *out = finished.take();
  return true;
}

bool load_module(engine::Allocator& alloc, const std::string& path, Box<Module>* out,
                 std::string* error) {
  FILE* f = fopen(path.c_str(), "rb");
  if (f == nullptr) {
    *error = "cannot read " + path + ": " + strerror(errno);
    return false;
  }
  // Stream: each chunk goes to the decoder as soon as it is read, so an
  // invalid header is refused before the rest of the file is touched.
  ModuleDecoder decoder(alloc);
  std::vector<uint8_t> buf(kDecodeChunkBytes);
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), f)) > 0) {
    auto fed = decoder.feed(buf.data(), n);
    if (!fed.ok()) {
      fclose(f);
      *error = path + ": " + describe_error(fed.error());
      return false;
    }
  }
  if (ferror(f)) {
    int saved = errno;
    fclose(f);
    *error = "cannot read " + path + ": " + strerror(saved);
    return false;
  }
  fclose(f);
  auto finished = decoder.finish();
  if (!finished.ok()) {
    *error = path + ": " + describe_error(finished.error());
    return false;
  }
  *out = finished.take();
  return true;
}

std::string describe_error(const engine::Error& error) {
  char small[256];
  size_t len = engine::format_error(error, small, sizeof small);
  if (len < sizeof small) return small;
  std::string text(len + 1, '\0');
  engine::format_error(error, text.data(), text.size());
  text.resize(len);
  return text;
}

std::string describe_trap(const engine::Trap& trap) {
  char small[256];
  size_t len = engine::format_trap(trap, small, sizeof small);
  if (len < sizeof small) return small;
  std::string text(len + 1, '\0');
  engine::format_trap(trap, text.data(), text.size());
  text.resize(len);
  return text;
}

}  // namespace continuum::cli
