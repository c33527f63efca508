// The dashboard's bundled files (web/dist) served at `/` (docs/api.md
// "Static front end"): a URL path maps to a file under the root, or to
// nothing. Refused (nullopt): `..` or `.` segments, NUL or backslash, and
// anything whose real path (symbolic links followed) lies outside the root.
// Pure file-system logic, no HTTP.
#pragma once

#include <optional>
#include <string>

namespace continuum::adapters::http {

struct StaticFile {
  std::string path;       // the file to send
  std::string mime_type;  // from its extension
};

// `url_path` as received (already percent-decoded by the server), starting
// with '/'. A directory answers its index.html.
std::optional<StaticFile> resolve_static_file(const std::string& root, const std::string& url_path);

// "text/html; charset=utf-8" for ".html", ...; application/octet-stream
// for extensions not in the table.
std::string mime_type_for(const std::string& path);

}  // namespace continuum::adapters::http
