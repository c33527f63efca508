// preview1 timestamps (nanoseconds) and fstflags as the host's timespec pair
// for futimens/utimensat.
#pragma once

#include <stdint.h>
#include <sys/stat.h>

#include "abi.h"

namespace continuum::wasi {

// Fills times[0] (access) and times[1] (modification). EINVAL when a time is
// asked to be both given and "now".
abi::Errno host_times(uint64_t atim, uint64_t mtim, uint32_t fst_flags, struct timespec times[2]);

}  // namespace continuum::wasi
