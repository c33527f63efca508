// ARM semihosting: the firmware's console and exit status. QEMU answers these
// requests with -semihosting-config enable=on,target=native; on a real board
// a debugger must be attached.
#pragma once

#include <stdint.h>

namespace firmware {

void print(const char* text);
void print_unsigned(uint64_t value);
void print_hex(uint32_t value);
// Ends the emulation: status 0 is success, anything else failure (the 32-bit
// SYS_EXIT can only say "application exit" or "something else").
[[noreturn]] void exit(int status);

}  // namespace firmware
