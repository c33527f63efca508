#include "semihosting.h"

namespace firmware {
namespace {

constexpr uint32_t kSysWrite0 = 0x04;
constexpr uint32_t kSysExit = 0x18;
// Reason codes for SYS_EXIT (ARM semihosting specification, "ADP_Stopped_*").
constexpr uint32_t kApplicationExit = 0x20026;
constexpr uint32_t kRunTimeErrorUnknown = 0x20023;

uint32_t semihost(uint32_t op, const void* arg) {
  register uint32_t r0 asm("r0") = op;
  register const void* r1 asm("r1") = arg;
  asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

}  // namespace

void print(const char* text) { semihost(kSysWrite0, text); }

void print_unsigned(uint64_t value) {
  char buf[24];
  char* p = buf + sizeof buf;
  *--p = '\0';
  do {
    *--p = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  print(p);
}

void print_hex(uint32_t value) {
  char buf[11] = "0x";
  for (int i = 0; i < 8; ++i) buf[2 + i] = "0123456789abcdef"[(value >> (28 - 4 * i)) & 0xF];
  buf[10] = '\0';
  print(buf);
}

void exit(int status) {
  // On 32-bit ARM the parameter is the reason code itself, not a block.
  uint32_t reason = status == 0 ? kApplicationExit : kRunTimeErrorUnknown;
  semihost(kSysExit, reinterpret_cast<const void*>(reason));
  for (;;) {
  }
}

}  // namespace firmware
