// Stack measurement for the firmware report (see runtime_support.cc).
#pragma once

#include <stddef.h>

namespace firmware {

// Deepest the main stack has been since reset, in bytes (the stack is painted
// with a pattern at reset; the first untouched word marks the high water).
size_t stack_high_water_bytes();
size_t stack_reserved_bytes();

}  // namespace firmware
