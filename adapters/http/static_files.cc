#include "static_files.h"

#include <filesystem>
#include <string_view>
#include <system_error>

namespace continuum::adapters::http {

namespace fs = std::filesystem;

namespace {

struct MimeType {
  std::string_view extension, type;
};
// What a bundled single-page app holds; the browser needs the right type
// for modules (.js, .mjs) and wasm (streaming compilation). Scripts are
// application/javascript WITH a charset so that cpp-httplib does not Brotli
// them on every request (see kJsonContentType in route_helpers.h): the
// in-browser compiler's 13 MB took 73 s that way, 0.4 s without.
constexpr MimeType kMimeTypes[] = {
    {".html", "text/html; charset=utf-8"},   {".js", "application/javascript; charset=utf-8"},
    {".mjs", "application/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"}, {".map", "application/json; charset=utf-8"},
    {".svg", "image/svg+xml"},                 {".png", "image/png"},
    {".ico", "image/x-icon"},                  {".wasm", "application/wasm"},
    {".woff2", "font/woff2"},                  {".woff", "font/woff"},
    {".ttf", "font/ttf"},                      {".txt", "text/plain; charset=utf-8"},
};

bool inside(const fs::path& root, const fs::path& path) {
  auto r = root.begin(), p = path.begin();
  for (; r != root.end(); ++r, ++p)
    if (p == path.end() || *r != *p) return false;
  return true;
}

}  // namespace

std::string mime_type_for(const std::string& path) {
  const std::string ext = fs::path(path).extension().string();
  for (const MimeType& m : kMimeTypes)
    if (m.extension == ext) return std::string(m.type);
  return "application/octet-stream";
}

std::optional<StaticFile> resolve_static_file(const std::string& root, const std::string& url_path) {
  if (root.empty() || url_path.empty() || url_path[0] != '/') return std::nullopt;
  if (url_path.find('\0') != std::string::npos || url_path.find('\\') != std::string::npos) return std::nullopt;
  // Segment by segment: an empty one (//) is skipped, "." and ".." refused.
  fs::path relative;
  std::size_t pos = 1;
  while (pos <= url_path.size()) {
    std::size_t end = url_path.find('/', pos);
    if (end == std::string::npos) end = url_path.size();
    const std::string segment = url_path.substr(pos, end - pos);
    if (segment == "." || segment == "..") return std::nullopt;
    if (!segment.empty()) relative /= segment;
    pos = end + 1;
  }
  std::error_code ec;
  const fs::path real_root = fs::canonical(root, ec);
  if (ec) return std::nullopt;
  fs::path candidate = real_root / relative;
  if (fs::is_directory(candidate, ec)) candidate /= "index.html";
  const fs::path real = fs::canonical(candidate, ec);
  if (ec || !inside(real_root, real) || !fs::is_regular_file(real, ec)) return std::nullopt;
  return StaticFile{real.string(), mime_type_for(real.string())};
}

}  // namespace continuum::adapters::http
