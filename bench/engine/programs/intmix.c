/* Integer workloads: a sieve of Eratosthenes (byte stores, strided loops),
 * table-driven CRC-32 over a buffer (byte loads, table lookups, shifts), and
 * a small stack machine running a byte-code loop through a switch (indirect
 * branches, the same shape as an interpreter inside the guest).
 *
 * Usage: intmix [rounds]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIEVE_LIMIT 2000000
#define CRC_BYTES (256 * 1024)

static uint8_t composite[SIEVE_LIMIT + 1];

static uint32_t sieve(uint32_t limit) {
  memset(composite, 0, limit + 1);
  uint32_t count = 0;
  for (uint32_t i = 2; i <= limit; i++) {
    if (composite[i]) continue;
    count++;
    for (uint64_t j = (uint64_t)i * i; j <= limit; j += i) composite[j] = 1;
  }
  return count;
}

static uint32_t crc_table[256];

static void crc_init(void) {
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t c = n;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[n] = c;
  }
}

static uint32_t crc32(uint32_t crc, const uint8_t* p, size_t n) {
  crc = ~crc;
  while (n--) crc = crc_table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

/* The stack machine: 16 locals, an operand stack, byte-coded instructions
 * with inline operands. */
enum {
  OP_PUSH,  /* imm8: push small constant */
  OP_LOAD,  /* imm8: push local */
  OP_STORE, /* imm8: pop into local */
  OP_ADD,
  OP_SUB,
  OP_MUL,
  OP_XOR,
  OP_SHR,   /* imm8 */
  OP_AND,
  OP_DUP,
  OP_JNZ,   /* imm8 absolute target: pop, jump if non-zero */
  OP_HALT,
};

static uint32_t run_vm(const uint8_t* code, uint32_t arg) {
  uint32_t stack[32];
  uint32_t locals[16] = {0};
  int sp = 0;
  size_t pc = 0;
  locals[0] = arg;
  for (;;) {
    uint8_t op = code[pc++];
    switch (op) {
      case OP_PUSH: stack[sp++] = code[pc++]; break;
      case OP_LOAD: stack[sp++] = locals[code[pc++]]; break;
      case OP_STORE: locals[code[pc++]] = stack[--sp]; break;
      case OP_ADD: sp--; stack[sp - 1] += stack[sp]; break;
      case OP_SUB: sp--; stack[sp - 1] -= stack[sp]; break;
      case OP_MUL: sp--; stack[sp - 1] *= stack[sp]; break;
      case OP_XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
      case OP_AND: sp--; stack[sp - 1] &= stack[sp]; break;
      case OP_SHR: stack[sp - 1] >>= code[pc++]; break;
      case OP_DUP: stack[sp] = stack[sp - 1]; sp++; break;
      case OP_JNZ: {
        uint8_t target = code[pc++];
        if (stack[--sp] != 0) pc = target;
        break;
      }
      case OP_HALT: return locals[1];
      default: return 0xDEADBEEFu;
    }
  }
}

/* local0 = n (counter), local1 = acc, local2 = x.
 * while (n) { x = n * n ^ (acc >> 3); acc = acc + x * 31 + (n & 7); n = n - 1; } */
static const uint8_t kLoopProgram[] = {
    /* 0 */ OP_LOAD, 0, OP_DUP, OP_MUL, OP_LOAD, 1, OP_SHR, 3, OP_XOR, OP_STORE, 2,
    /* 11 */ OP_LOAD, 1, OP_LOAD, 2, OP_PUSH, 31, OP_MUL, OP_ADD,
    /* 19 */ OP_LOAD, 0, OP_PUSH, 7, OP_AND, OP_ADD, OP_STORE, 1,
    /* 27 */ OP_LOAD, 0, OP_PUSH, 1, OP_SUB, OP_DUP, OP_STORE, 0,
    /* 35 */ OP_JNZ, 0,
    /* 37 */ OP_HALT};

/* The same loop in C, to check the machine. */
static uint32_t loop_reference(uint32_t n) {
  uint32_t acc = 0;
  while (n) {
    uint32_t x = n * n ^ (acc >> 3);
    acc = acc + x * 31 + (n & 7);
    n--;
  }
  return acc;
}

int main(int argc, char** argv) {
  long rounds = argc > 1 ? atol(argv[1]) : 10;

  static uint8_t data[CRC_BYTES];
  uint32_t x = 2463534242u;
  for (size_t i = 0; i < CRC_BYTES; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    data[i] = (uint8_t)x;
  }
  crc_init();

  uint32_t primes = 0, crc = 0, vm = 0;
  int vm_ok = 1;
  for (long r = 0; r < rounds; r++) {
    primes = sieve(SIEVE_LIMIT - (uint32_t)r);
    for (int k = 0; k < 8; k++) crc = crc32(crc, data, CRC_BYTES);
    uint32_t n = 200000 + (uint32_t)r;
    uint32_t got = run_vm(kLoopProgram, n);
    if (r == 0) vm_ok = got == loop_reference(n);
    vm ^= got;
  }
  printf("intmix rounds=%ld\n", rounds);
  printf("primes below %u: %u\n", SIEVE_LIMIT - (uint32_t)(rounds - 1), primes);
  printf("crc32 chain: %08x\n", crc);
  printf("vm: %08x (matches C: %s)\n", vm, vm_ok ? "yes" : "NO");
  printf("crc32(\"123456789\") = %08x\n", crc32(0, (const uint8_t*)"123456789", 9));
  return vm_ok ? 0 : 1;
}
