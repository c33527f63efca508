/* SHA-256 (FIPS 180-4) over a message generated in memory: a 1 MiB block of
 * pseudo-random bytes repeated `passes` times. 32-bit rotates, adds and
 * logic dominate, the load/store mix of a cipher or hash on a device.
 *
 * First checks the implementation against the FIPS 180-4 example "abc".
 *
 * Usage: sha256 [passes]          prints the digest
 *        sha256 passes emit       writes the message itself to stdout, so a
 *                                 harness can compare with `sha256sum`
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_BYTES (1u << 20)

typedef struct {
  uint32_t h[8];
  uint8_t buf[64];
  uint32_t buf_len;
  uint64_t total;
} Sha256;

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void compress(uint32_t h[8], const uint8_t* p) {
  uint32_t w[64];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
           (uint32_t)p[4 * i + 3];
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
    uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    k = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h[0] += a; h[1] += b; h[2] += c; h[3] += d;
  h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

static void sha_init(Sha256* s) {
  static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  memcpy(s->h, iv, sizeof iv);
  s->buf_len = 0;
  s->total = 0;
}

static void sha_update(Sha256* s, const uint8_t* p, size_t n) {
  s->total += n;
  if (s->buf_len > 0) {
    while (n > 0 && s->buf_len < 64) {
      s->buf[s->buf_len++] = *p++;
      n--;
    }
    if (s->buf_len < 64) return;
    compress(s->h, s->buf);
    s->buf_len = 0;
  }
  for (; n >= 64; n -= 64, p += 64) compress(s->h, p);
  memcpy(s->buf, p, n);
  s->buf_len = (uint32_t)n;
}

static void sha_final(Sha256* s, uint8_t out[32]) {
  uint64_t bits = s->total * 8;
  uint8_t pad[72] = {0x80};
  size_t pad_len = (s->buf_len < 56) ? 56 - s->buf_len : 120 - s->buf_len;
  for (int i = 0; i < 8; i++) pad[pad_len + i] = (uint8_t)(bits >> (56 - 8 * i));
  sha_update(s, pad, pad_len + 8);
  for (int i = 0; i < 8; i++) {
    out[4 * i] = (uint8_t)(s->h[i] >> 24);
    out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
    out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
    out[4 * i + 3] = (uint8_t)s->h[i];
  }
}

static void to_hex(const uint8_t d[32], char out[65]) {
  static const char digits[] = "0123456789abcdef";
  for (int i = 0; i < 32; i++) {
    out[2 * i] = digits[d[i] >> 4];
    out[2 * i + 1] = digits[d[i] & 15];
  }
  out[64] = 0;
}

static void fill_block(uint8_t* block) {
  uint32_t x = 0x9e3779b9u; /* xorshift32 */
  for (uint32_t i = 0; i < BLOCK_BYTES; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    block[i] = (uint8_t)(x >> 24);
  }
}

int main(int argc, char** argv) {
  long passes = argc > 1 ? atol(argv[1]) : 80;
  int emit = argc > 2 && strcmp(argv[2], "emit") == 0;

  static uint8_t block[BLOCK_BYTES];
  fill_block(block);
  if (emit) {
    for (long i = 0; i < passes; i++) fwrite(block, 1, BLOCK_BYTES, stdout);
    return 0;
  }

  Sha256 s;
  uint8_t digest[32];
  char hex[65];
  sha_init(&s);
  sha_update(&s, (const uint8_t*)"abc", 3);
  sha_final(&s, digest);
  to_hex(digest, hex);
  int self_ok = strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0;
  printf("sha256 self-test (FIPS 180-4 \"abc\"): %s\n", self_ok ? "ok" : "FAILED");

  sha_init(&s);
  /* Fed in odd-sized pieces so the buffering path is exercised too. */
  for (long i = 0; i < passes; i++) {
    sha_update(&s, block, 1000);
    sha_update(&s, block + 1000, BLOCK_BYTES - 1000);
  }
  sha_final(&s, digest);
  to_hex(digest, hex);
  printf("sha256 of %ld MiB: %s\n", passes, hex);
  return self_ok ? 0 : 1;
}
