// Whole-file reads and writes of module bytes for the OTA commands (sign,
// registry): the signature covers every byte, so no streaming here.
#pragma once

#include <optional>
#include <string>

namespace continuum::cli {

// Fails with "cannot read PATH: reason".
std::optional<std::string> read_module_file(const std::string& path, std::string* error);
// Writes to PATH.tmp and renames, so an interrupted write never leaves a
// half-signed module under the real name.
bool write_module_file(const std::string& path, const std::string& bytes, std::string* error);

}  // namespace continuum::cli
