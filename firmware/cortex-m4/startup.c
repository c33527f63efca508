/* Reset and exception entry for the Cortex-M4 firmware: the vector table,
 * RAM initialisation, FPU enable, C++ constructors, then main(). Written in C
 * because a vector table mixing the stack address with function pointers is a
 * plain constant initialiser there. */
#include <stdint.h>
#include <string.h>

extern uint32_t __stack_top, __stack_bottom;
extern uint32_t __data_start, __data_end, __data_load, __bss_start, __bss_end;
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);

int main(void);
void firmware_fault(const char* what); /* semihosting report + exit(1), in fault.cc */
void firmware_exit(int status);

/* What the stack is painted with at reset, to measure its high-water mark. */
const uint32_t firmware_stack_paint = 0xC0DEFACEu;

static void __attribute__((noinline, used)) start_c_runtime(void) {
  memcpy(&__data_start, &__data_load, (size_t)((char*)&__data_end - (char*)&__data_start));
  memset(&__bss_start, 0, (size_t)((char*)&__bss_end - (char*)&__bss_start));
  /* Paint the stack below this frame (a little margin for the calls below). */
  uint32_t* sp;
  __asm volatile("mov %0, sp" : "=r"(sp));
  for (uint32_t* p = &__stack_bottom; p < sp - 16; ++p) *p = firmware_stack_paint;
  for (void (**ctor)(void) = __init_array_start; ctor < __init_array_end; ++ctor) (*ctor)();
  firmware_exit(main());
}

void __attribute__((naked, noreturn)) Reset_Handler(void) {
  /* Grant full access to CP10/CP11 (the FPU) before any floating-point
   * instruction can run: hard-float code would fault otherwise. */
  __asm volatile(
      "ldr r0, =0xE000ED88\n"
      "ldr r1, [r0]\n"
      "orr r1, r1, #(0xF << 20)\n"
      "str r1, [r0]\n"
      "dsb\n"
      "isb\n"
      "b start_c_runtime\n");
}

static void NMI_Handler(void) { firmware_fault("NMI"); }
static void HardFault_Handler(void) { firmware_fault("hard fault"); }
static void MemManage_Handler(void) { firmware_fault("memory management fault"); }
static void BusFault_Handler(void) { firmware_fault("bus fault"); }
static void UsageFault_Handler(void) { firmware_fault("usage fault"); }
static void Default_Handler(void) { firmware_fault("unexpected interrupt"); }
void SVC_Handler(void) __attribute__((weak, alias("Default_Handler")));
void DebugMon_Handler(void) __attribute__((weak, alias("Default_Handler")));
void PendSV_Handler(void) __attribute__((weak, alias("Default_Handler")));
/* engine/port/baremetal.cc defines the real one (its monotonic clock). */
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));

__attribute__((section(".isr_vector"), used)) void (*const firmware_vector_table[16])(void) = {
    (void (*)(void))&__stack_top,
    Reset_Handler,
    NMI_Handler,
    HardFault_Handler,
    MemManage_Handler,
    BusFault_Handler,
    UsageFault_Handler,
    0, 0, 0, 0,
    SVC_Handler,
    DebugMon_Handler,
    0,
    PendSV_Handler,
    SysTick_Handler,
};
