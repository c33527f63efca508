// What a freestanding C++ program needs from its surroundings that the
// firmware, rather than newlib, provides: how faults and exits are reported,
// the C++ ABI hooks a no-exceptions, no-heap-new program still references,
// the break newlib's malloc grows,
// and the stack high-water mark.
#include <stddef.h>
#include <stdint.h>

#include "runtime_support.h"
#include "semihosting.h"

extern "C" {
extern uint32_t __stack_bottom;
extern uint32_t __stack_top;
extern const uint32_t firmware_stack_paint;

void firmware_fault(const char* what) {
  firmware::print("FIRMWARE FAULT: ");
  firmware::print(what);
  firmware::print("\n");
  firmware::exit(1);
}

void firmware_exit(int status) { firmware::exit(status); }

// A pure virtual called through a half-built or half-destroyed object.
void __cxa_pure_virtual() { firmware_fault("pure virtual call"); }

// newlib's printf family (the engine formats error messages with vsnprintf)
// references malloc for its own buffers, and malloc asks for memory here: the
// RAM between the end of .bss and the reserved stack.
extern uint8_t end;
void* _sbrk(ptrdiff_t increment) {
  static uint8_t* brk = &end;
  uint8_t* limit = reinterpret_cast<uint8_t*>(&__stack_bottom);
  if (increment > limit - brk || increment < &end - brk) return reinterpret_cast<void*>(-1);
  uint8_t* previous = brk;
  brk += increment;
  return previous;
}

// newlib's abort() would need a signal implementation; a report is more useful.
void abort() { firmware_fault("abort"); for (;;) {} }
}

// The engine allocates only through its Allocator, but a class with a virtual
// destructor gets a "deleting destructor" in its vtable that names operator
// delete. Nothing calls it; defining it here keeps newlib's malloc/free (and
// their sbrk) out of the image.
void operator delete(void*) noexcept { firmware_fault("operator delete called"); }
void operator delete(void*, size_t) noexcept { firmware_fault("operator delete called"); }

namespace firmware {

size_t stack_high_water_bytes() {
  const uint32_t* p = &__stack_bottom;
  while (p < &__stack_top && *p == firmware_stack_paint) ++p;
  return static_cast<size_t>(reinterpret_cast<const char*>(&__stack_top) -
                             reinterpret_cast<const char*>(p));
}

size_t stack_reserved_bytes() {
  return static_cast<size_t>(reinterpret_cast<const char*>(&__stack_top) -
                             reinterpret_cast<const char*>(&__stack_bottom));
}

}  // namespace firmware
