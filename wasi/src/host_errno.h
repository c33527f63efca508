// Translating what the host says (errno values, stat results) into the
// preview1 vocabulary.
#pragma once

#include <stdint.h>
#include <sys/stat.h>

#include "abi.h"

namespace continuum::wasi {

// A host errno value as a preview1 errno (EIO for anything unforeseen).
abi::Errno from_host_errno(int host_errno);

// The preview1 filetype of a stat mode.
uint8_t filetype_of_mode(mode_t mode);

// Writes a preview1 filestat (abi::filestat::kSize bytes) for `st` at `out`.
void encode_filestat(const struct stat& st, uint8_t* out);

}  // namespace continuum::wasi
