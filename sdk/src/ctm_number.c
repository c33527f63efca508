/* Exact decimal <-> double conversion with a small fixed-size big integer.
 *
 * Why exact arithmetic: the text must be the same in wasm and native builds
 * and must read back as the same double everywhere (Telegraf, Node-RED, our
 * own reader). Working on the exact decimal expansion of a double (it always
 * has one: m * 2^e = m * 5^-e / 10^-e) makes both directions a matter of
 * comparing digit strings or big integers, with no floating-point rounding
 * anywhere except in a first guess that is then corrected.
 */
#include "continuum_json.h"

/* 2880 bits: the largest operand is (4m-1) * 5^1076 (about 2560 bits) when
 * formatting the smallest subnormals. */
#define BIG_WORDS 90
/* Decimal digits of the longest exact expansion (about 770) plus slack. */
#define DIGITS_MAX 800
#define PARSE_DIGITS_MAX 40

typedef struct big {
  uint32_t n; /* words in use; w[n-1] != 0 unless n == 0 */
  uint32_t w[BIG_WORDS];
} big;

static void big_set_u64(big* b, uint64_t v) {
  b->n = 0;
  while (v) {
    b->w[b->n++] = (uint32_t)v;
    v >>= 32;
  }
}

static void big_mul_add_small(big* b, uint32_t mul, uint32_t add) {
  uint64_t carry = add;
  for (uint32_t i = 0; i < b->n; ++i) {
    uint64_t t = (uint64_t)b->w[i] * mul + carry;
    b->w[i] = (uint32_t)t;
    carry = t >> 32;
  }
  if (carry && b->n < BIG_WORDS) b->w[b->n++] = (uint32_t)carry;
}

static void big_mul_pow5(big* b, uint32_t k) {
  static const uint32_t pow5[14] = {1,       5,        25,        125,        625,
                                    3125,    15625,    78125,     390625,     1953125,
                                    9765625, 48828125, 244140625, 1220703125};
  while (k >= 13) {
    big_mul_add_small(b, pow5[13], 0);
    k -= 13;
  }
  if (k) big_mul_add_small(b, pow5[k], 0);
}

static void big_shl(big* b, uint32_t shift) {
  if (b->n == 0) return;
  uint32_t words = shift / 32, bits = shift % 32;
  uint32_t n = b->n + words + 1;
  if (n > BIG_WORDS) n = BIG_WORDS; /* cannot happen for the operands used here */
  for (uint32_t i = n; i-- > 0;) {
    uint64_t hi = (i >= words && i - words < b->n) ? b->w[i - words] : 0;
    uint64_t lo = (i >= words + 1 && i - words - 1 < b->n) ? b->w[i - words - 1] : 0;
    b->w[i] = bits ? (uint32_t)((hi << bits) | (lo >> (32 - bits))) : (uint32_t)hi;
  }
  b->n = n;
  while (b->n && b->w[b->n - 1] == 0) --b->n;
}

static int big_cmp(const big* a, const big* b) {
  if (a->n != b->n) return a->n < b->n ? -1 : 1;
  for (uint32_t i = a->n; i-- > 0;) {
    if (a->w[i] != b->w[i]) return a->w[i] < b->w[i] ? -1 : 1;
  }
  return 0;
}

/* Divides in place, returns the remainder. */
static uint32_t big_divmod_small(big* b, uint32_t d) {
  uint64_t r = 0;
  for (uint32_t i = b->n; i-- > 0;) {
    uint64_t cur = (r << 32) | b->w[i];
    b->w[i] = (uint32_t)(cur / d);
    r = cur % d;
  }
  while (b->n && b->w[b->n - 1] == 0) --b->n;
  return (uint32_t)r;
}

/* ---- double <-> parts ---- */

static uint64_t f64_bits(double v) {
  uint64_t u;
  __builtin_memcpy(&u, &v, 8);
  return u;
}
static double f64_from_bits(uint64_t u) {
  double v;
  __builtin_memcpy(&v, &u, 8);
  return v;
}

#define F64_FRAC_BITS 52
#define F64_HIDDEN (1ull << 52)
#define F64_EXP_MASK 0x7FFull

/* A finite positive double as mant * 2^exp2 (mant < 2^53). */
static void f64_parts(uint64_t bits, uint64_t* mant, int* exp2, int* biased) {
  int e = (int)((bits >> F64_FRAC_BITS) & F64_EXP_MASK);
  uint64_t frac = bits & (F64_HIDDEN - 1);
  *biased = e;
  if (e == 0) {
    *mant = frac;
    *exp2 = -1074;
  } else {
    *mant = frac | F64_HIDDEN;
    *exp2 = e - 1075;
  }
}

/* ---- exact decimal expansions ---- */

/* A positive decimal 0.D1D2...Dn * 10^point, n >= 1, D1 != 0, Dn != 0. */
typedef struct decimal {
  char d[DIGITS_MAX];
  int n;
  int point;
} decimal;

/* The exact decimal value of mant * 2^exp2 (mant > 0). */
static void exact_decimal(uint64_t mant, int exp2, decimal* out) {
  big b;
  big_set_u64(&b, mant);
  int scale10 = 0; /* value = b * 10^scale10 */
  if (exp2 >= 0) {
    big_shl(&b, (uint32_t)exp2);
  } else {
    big_mul_pow5(&b, (uint32_t)-exp2);
    scale10 = exp2;
  }
  int t = 0; /* digits are produced least significant first */
  while (b.n) {
    uint32_t chunk = big_divmod_small(&b, 1000000000u);
    for (int i = 0; i < 9 && t < DIGITS_MAX; ++i) {
      out->d[t++] = (char)('0' + chunk % 10);
      chunk /= 10;
    }
  }
  while (t > 0 && out->d[t - 1] == '0') --t; /* leading zeros of the last chunk */
  for (int i = 0, j = t - 1; i < j; ++i, --j) {
    char c = out->d[i];
    out->d[i] = out->d[j];
    out->d[j] = c;
  }
  out->point = t + scale10;
  while (t > 0 && out->d[t - 1] == '0') --t;
  out->n = t;
}

static int decimal_cmp(const decimal* a, const decimal* b) {
  if (a->point != b->point) return a->point < b->point ? -1 : 1;
  int n = a->n > b->n ? a->n : b->n;
  for (int i = 0; i < n; ++i) {
    char x = i < a->n ? a->d[i] : '0';
    char y = i < b->n ? b->d[i] : '0';
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

/* X rounded to P significant digits, ties to even. */
static void decimal_round(const decimal* x, int p, decimal* out) {
  out->point = x->point;
  if (p >= x->n) {
    __builtin_memcpy(out->d, x->d, (uint32_t)x->n);
    out->n = x->n;
    return;
  }
  __builtin_memcpy(out->d, x->d, (uint32_t)p);
  out->n = p;
  char next = x->d[p];
  int more = x->n > p + 1; /* trailing zeros were stripped: anything after is nonzero */
  int up = next > '5' || (next == '5' && (more || ((out->d[p - 1] - '0') & 1)));
  if (up) {
    int i = p - 1;
    while (i >= 0 && out->d[i] == '9') out->d[i--] = '0';
    if (i >= 0) {
      out->d[i]++;
    } else {
      out->d[0] = '1';
      out->n = 1;
      out->point++;
    }
  }
  while (out->n > 1 && out->d[out->n - 1] == '0') out->n--;
}

/* ---- formatting ---- */

static uint32_t put_text(char* buf, uint32_t cap, const char* text, uint32_t n) {
  if (n > cap) return 0;
  __builtin_memcpy(buf, text, n);
  return n;
}

uint32_t ctm_fmt_i64(char* buf, uint32_t cap, int64_t v) {
  char tmp[CTM_I64_TEXT_MAX];
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  int t = CTM_I64_TEXT_MAX;
  do {
    tmp[--t] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) tmp[--t] = '-';
  return put_text(buf, cap, tmp + t, (uint32_t)(CTM_I64_TEXT_MAX - t));
}

/* The digits of a double's shortest decimal: value = 0.d[0..n) * 10^point.
 * A double never needs more than 17 significant digits. */
typedef struct shortest {
  char d[17];
  int n;
  int point;
} shortest;

/* The shortest decimal by the exact expansions (any double; slow: three
 * big-integer expansions of up to 770 digits and a loop over precisions). */
static void exact_shortest(uint64_t mant, int exp2, int biased, shortest* result) {
  /* Every decimal strictly between the midpoints to the neighbouring doubles
   * reads back as v; on a midpoint, only if v's mantissa is even. */
  decimal exact, low, high, cand;
  exact_decimal(mant, exp2, &exact);
  exact_decimal(2 * mant + 1, exp2 - 1, &high);
  if (mant == F64_HIDDEN && biased > 1) {
    exact_decimal(4 * mant - 1, exp2 - 2, &low); /* the gap below a power of two is half */
  } else {
    exact_decimal(2 * mant - 1, exp2 - 1, &low);
  }
  int inclusive = (mant & 1) == 0;
  for (int p = 1;; ++p) {
    decimal_round(&exact, p, &cand);
    int above_low = decimal_cmp(&cand, &low);
    int below_high = decimal_cmp(&cand, &high);
    if ((above_low > 0 || (inclusive && above_low == 0)) &&
        (below_high < 0 || (inclusive && below_high == 0)))
      break;
  }
  __builtin_memcpy(result->d, cand.d, (uint32_t)cand.n);
  result->n = cand.n;
  result->point = cand.point;
}

/* ---- the fast path: 128-bit integers from 32-bit pieces ----
 *
 * Why: the exact expansions above cost tens of thousands of wasm
 * instructions per number, and a stage writes several numbers per reading.
 * For the doubles readings are made of (1e-11 <= |v| < 2^53) the same answer
 * comes from one 53 x 63-bit product: v * 10^s = mant * 5^s * 2^(exp2 + s)
 * is exact with 5^s <= 5^27 < 2^63, so rounding it to p digits and testing
 * the candidate against the rounding interval are exact integer operations
 * (no floating point, the same in wasm and native builds). Same definition
 * of "shortest" as exact_shortest: the first precision p whose correctly
 * rounded (ties to even) p-digit decimal reads back as v. (The 128-bit type
 * of the compiler is not used: on wasm32 it needs compiler-rt helpers the
 * SDK does not link.) */

typedef struct u128 {
  uint64_t hi, lo;
} u128;

static u128 mul_64x64(uint64_t a, uint64_t b) {
  uint64_t a_lo = (uint32_t)a, a_hi = a >> 32, b_lo = (uint32_t)b, b_hi = b >> 32;
  uint64_t ll = a_lo * b_lo, lh = a_lo * b_hi, hl = a_hi * b_lo, hh = a_hi * b_hi;
  uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
  u128 r;
  r.lo = (mid << 32) | (uint32_t)ll;
  r.hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
  return r;
}

/* Shifts by 0 <= k < 128 (bits shifted out of the top are lost). */
static u128 shl128(u128 a, int k) {
  if (k == 0) return a;
  u128 r;
  if (k >= 64) {
    r.hi = a.lo << (k - 64);
    r.lo = 0;
  } else {
    r.hi = (a.hi << k) | (a.lo >> (64 - k));
    r.lo = a.lo << k;
  }
  return r;
}

static u128 shr128(u128 a, int k) {
  if (k == 0) return a;
  u128 r;
  if (k >= 64) {
    r.lo = a.hi >> (k - 64);
    r.hi = 0;
  } else {
    r.lo = (a.lo >> k) | (a.hi << (64 - k));
    r.hi = a.hi >> k;
  }
  return r;
}

static u128 sub128(u128 a, u128 b) {
  u128 r;
  r.lo = a.lo - b.lo;
  r.hi = a.hi - b.hi - (a.lo < b.lo);
  return r;
}

static int cmp128(u128 a, u128 b) {
  if (a.hi != b.hi) return a.hi < b.hi ? -1 : 1;
  if (a.lo != b.lo) return a.lo < b.lo ? -1 : 1;
  return 0;
}

static u128 u128_of(uint64_t v) {
  u128 r = {0, v};
  return r;
}

#define FAST_MAX_POW5 27

static const uint64_t kPow5[FAST_MAX_POW5 + 1] = {
    1ull,
    5ull,
    25ull,
    125ull,
    625ull,
    3125ull,
    15625ull,
    78125ull,
    390625ull,
    1953125ull,
    9765625ull,
    48828125ull,
    244140625ull,
    1220703125ull,
    6103515625ull,
    30517578125ull,
    152587890625ull,
    762939453125ull,
    3814697265625ull,
    19073486328125ull,
    95367431640625ull,
    476837158203125ull,
    2384185791015625ull,
    11920928955078125ull,
    59604644775390625ull,
    298023223876953125ull,
    1490116119384765625ull,
    7450580596923828125ull,
};

static const uint64_t kPow10[18] = {1ull,
                                    10ull,
                                    100ull,
                                    1000ull,
                                    10000ull,
                                    100000ull,
                                    1000000ull,
                                    10000000ull,
                                    100000000ull,
                                    1000000000ull,
                                    10000000000ull,
                                    100000000000ull,
                                    1000000000000ull,
                                    10000000000000ull,
                                    100000000000000ull,
                                    1000000000000000ull,
                                    10000000000000000ull,
                                    100000000000000000ull};

/* The digits of integer U (U > 0) with trailing zeros stripped. Zeros go
 * eight and four at a time first, digits two at a time from a table, written
 * straight into place: each division is a step in a wasm interpreter. */
static void integer_digits(uint64_t u, shortest* out) {
  static const char kPairs[] =
      "0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849"
      "5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";
  int zeros = 0;
  while (u % 100000000 == 0) {
    u /= 100000000;
    zeros += 8;
  }
  if (u % 10000 == 0) {
    u /= 10000;
    zeros += 4;
  }
  while (u % 10 == 0) {
    u /= 10;
    ++zeros;
  }
  char tmp[20];
  int t = 20;
  while (u >= 100) {
    uint32_t pair = (uint32_t)(u % 100);
    u /= 100;
    tmp[--t] = kPairs[2 * pair + 1];
    tmp[--t] = kPairs[2 * pair];
  }
  if (u >= 10) {
    tmp[--t] = kPairs[2 * u + 1];
    tmp[--t] = kPairs[2 * u];
  } else {
    tmp[--t] = (char)('0' + u);
  }
  out->n = 20 - t;
  out->point = out->n + zeros;
  __builtin_memcpy(out->d, tmp + t, (uint32_t)out->n);
}

/* floor(k * log10(2)) for |k| < 1000 (1233 / 4096 is a lower bound of
 * log10(2) close enough not to change the floor in that range). */
static int floor_log10_pow2(int k) {
  int num = k * 1233;
  return num >= 0 ? num / 4096 : -((-num + 4095) / 4096);
}

/* Fills OUT and returns 1 when v = mant * 2^exp2 is in the fast range;
 * returns 0 (OUT untouched) otherwise. */
static int fast_shortest(uint64_t mant, int exp2, int biased, shortest* out) {
  if (biased == 0) return 0; /* subnormal */
  /* Integers below 2^53: their own digits are the shortest text (the
   * neighbouring doubles are at most 1 away, so no shorter decimal is
   * closer than half the gap). */
  if (exp2 >= 0) {
    if (exp2 > 0) return 0; /* 2^53 and above */
    integer_digits(mant, out);
    return 1;
  }
  if (exp2 > -53 && (mant & ((1ull << -exp2) - 1)) == 0) {
    integer_digits(mant >> -exp2, out);
    return 1;
  }
  /* d: the decimal exponent of v (10^d <= v < 10^(d+1)); first estimate from
   * the binary exponent, corrected below on exact integers. */
  int d = floor_log10_pow2(52 + exp2);
  const int inclusive = (mant & 1) == 0;
  const int narrow_below = mant == F64_HIDDEN && biased > 1; /* half gap below a power of two */
  for (int p = 15; p <= 17;) {
    int s = p - 1 - d;
    if (s < 0 || s > FAST_MAX_POW5) return 0;
    int sh = -(exp2 + s); /* v * 10^s = P / 2^sh */
    if (sh < 1 || sh > 66) return 0;
    u128 P = mul_64x64(mant, kPow5[s]);
    u128 floor_n = shr128(P, sh);
    if (floor_n.hi || floor_n.lo >= kPow10[p]) {
      ++d; /* v >= 10^(d+1) */
      continue;
    }
    if (floor_n.lo < kPow10[p - 1]) {
      --d; /* v < 10^d */
      continue;
    }
    /* Round to nearest, ties to even, on the exact remainder
     * rem = P mod 2^sh (masked off, no shifts of P). */
    uint64_t n = floor_n.lo;
    u128 rem = P;
    if (sh >= 64) {
      rem.hi &= (1ull << (sh - 64)) - 1;
    } else {
      rem.hi = 0;
      rem.lo &= (1ull << sh) - 1;
    }
    int c = cmp128(rem, shl128(u128_of(1), sh - 1));
    int up = c > 0 || (c == 0 && (n & 1));
    n += (uint64_t)up;
    /* The candidate n / 10^s against the rounding interval. In units of
     * 1 / (10^s * 2^sh), v is P, the candidate n * 2^sh, and the interval
     * reaches half the gap to each neighbour: 5^s / 2 (5^s / 4 below a power
     * of two). The candidate's distance to v is 2^sh - rem when rounded up,
     * rem when rounded down; it is inside when K * distance < 5^s (or <=
     * when the interval includes its ends), K = 4 on the narrow side, else
     * 2. Compared as distance < ceil(5^s / K) (<= floor) so nothing
     * overflows: one compare instead of two 128-bit ones on 4P +- 2 * 5^s. */
    u128 dist = up ? sub128(shl128(u128_of(1), sh), rem) : rem;
    const uint64_t gap = kPow5[s];
    const int k_log2 = (!up && narrow_below) ? 2 : 1;
    const uint64_t bound = inclusive ? gap >> k_log2 : (gap + (1ull << k_log2) - 1) >> k_log2;
    if (dist.hi == 0 && (inclusive ? dist.lo <= bound : dist.lo < bound)) {
      int point = d + 1;
      if (n == kPow10[p]) { /* rounded up to the next power of ten */
        n = kPow10[p - 1];
        ++point;
      }
      integer_digits(n, out);
      out->point = point;
      return 1;
    }
    ++p;
  }
  return 0; /* not reached: 17 digits always identify a double */
}

/* JavaScript's Number::toString layout after the sign already in OUT[0..len):
 * k digits, value = 0.digits * 10^n. */
static uint32_t layout(char* buf, uint32_t cap, char* out, uint32_t len, const shortest* c) {
  int k = c->n, n = c->point;
  /* Runs of digits are copied in one piece (memory.copy in wasm). */
  if (k <= n && n <= 21) {
    __builtin_memcpy(out + len, c->d, (uint32_t)k);
    len += (uint32_t)k;
    for (int i = k; i < n; ++i) out[len++] = '0';
  } else if (0 < n && n <= 21) {
    __builtin_memcpy(out + len, c->d, (uint32_t)n);
    len += (uint32_t)n;
    out[len++] = '.';
    __builtin_memcpy(out + len, c->d + n, (uint32_t)(k - n));
    len += (uint32_t)(k - n);
  } else if (-6 < n && n <= 0) {
    out[len++] = '0';
    out[len++] = '.';
    for (int i = 0; i < -n; ++i) out[len++] = '0';
    __builtin_memcpy(out + len, c->d, (uint32_t)k);
    len += (uint32_t)k;
  } else {
    int e = n - 1;
    out[len++] = c->d[0];
    if (k > 1) {
      out[len++] = '.';
      __builtin_memcpy(out + len, c->d + 1, (uint32_t)(k - 1));
      len += (uint32_t)(k - 1);
    }
    out[len++] = 'e';
    out[len++] = e < 0 ? '-' : '+';
    len += ctm_fmt_i64(out + len, CTM_I64_TEXT_MAX, e < 0 ? -e : e);
  }
  return put_text(buf, cap, out, len);
}

uint32_t ctm_fmt_f64(char* buf, uint32_t cap, double v) {
  uint64_t bits = f64_bits(v);
  char out[48];
  uint32_t len = 0;
  if (((bits >> F64_FRAC_BITS) & F64_EXP_MASK) == F64_EXP_MASK) return put_text(buf, cap, "null", 4);
  if (bits >> 63) out[len++] = '-';
  bits &= ~(1ull << 63);
  if (bits == 0) {
    out[len++] = '0';
    return put_text(buf, cap, out, len);
  }
  uint64_t mant;
  int exp2, biased;
  f64_parts(bits, &mant, &exp2, &biased);
  shortest digits;
  if (!fast_shortest(mant, exp2, biased, &digits)) exact_shortest(mant, exp2, biased, &digits);
  return layout(buf, cap, out, len, &digits);
}

/* ---- parsing ---- */

static int is_digit(char c) { return c >= '0' && c <= '9'; }

uint32_t ctm_parse_i64(const char* s, uint32_t len, int64_t* out) {
  uint32_t i = 0;
  int neg = 0;
  if (i < len && s[i] == '-') {
    neg = 1;
    ++i;
  }
  uint32_t start = i;
  uint64_t limit = neg ? (1ull << 63) : (1ull << 63) - 1;
  uint64_t u = 0;
  for (; i < len && is_digit(s[i]); ++i) {
    uint32_t d = (uint32_t)(s[i] - '0');
    if (u > (limit - d) / 10) return 0;
    u = u * 10 + d;
  }
  if (i == start) return 0;
  if (i < len && (s[i] == '.' || s[i] == 'e' || s[i] == 'E')) return 0;
  *out = neg ? (int64_t)(0 - u) : (int64_t)u;
  return i;
}

/* Compares SIG * 10^q with k * 2^f exactly (SIG: nsig decimal digits). */
static int cmp_decimal_binary(const char* sig, int nsig, int q, uint64_t k, int f) {
  big a, b;
  a.n = 0;
  for (int i = 0; i < nsig; ++i) big_mul_add_small(&a, 10, (uint32_t)(sig[i] - '0'));
  big_set_u64(&b, k);
  if (q >= 0) {
    big_mul_pow5(&a, (uint32_t)q);
  } else {
    big_mul_pow5(&b, (uint32_t)-q);
  }
  int f2 = f - q; /* the powers of two left after moving 10^q across */
  if (f2 >= 0) {
    big_shl(&b, (uint32_t)f2);
  } else {
    big_shl(&a, (uint32_t)-f2);
  }
  return big_cmp(&a, &b);
}

/* The double nearest SIG * 10^q (ties to even), starting from a guess that
 * is off by a few units in the last place at most. */
static double correct_guess(const char* sig, int nsig, int q, double guess) {
  uint64_t bits = f64_bits(guess);
  const uint64_t inf_bits = F64_EXP_MASK << F64_FRAC_BITS;
  if (bits >= inf_bits) bits = inf_bits - 1;
  for (int step = 0; step < 200; ++step) {
    uint64_t mant;
    int exp2, biased;
    f64_parts(bits, &mant, &exp2, &biased);
    int odd = (int)(mant & 1);
    int c = cmp_decimal_binary(sig, nsig, q, 2 * mant + 1, exp2 - 1);
    if (c > 0 || (c == 0 && odd)) {
      ++bits;
      if (bits >= inf_bits) return f64_from_bits(inf_bits);
      continue;
    }
    if (bits == 0) break;
    int below;
    if (mant == F64_HIDDEN && biased > 1) {
      below = cmp_decimal_binary(sig, nsig, q, 4 * mant - 1, exp2 - 2);
    } else {
      below = cmp_decimal_binary(sig, nsig, q, 2 * mant - 1, exp2 - 1);
    }
    if (below < 0 || (below == 0 && odd)) {
      --bits;
      continue;
    }
    break;
  }
  return f64_from_bits(bits);
}

uint32_t ctm_parse_f64(const char* s, uint32_t len, double* out) {
  static const double pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  uint32_t i = 0;
  int neg = 0;
  if (i < len && s[i] == '-') {
    neg = 1;
    ++i;
  }
  char sig[PARSE_DIGITS_MAX + 1];
  int nsig = 0, q = 0, sticky = 0, any = 0;
  for (; i < len && is_digit(s[i]); ++i, any = 1) {
    if (nsig == 0 && s[i] == '0') continue;
    if (nsig < PARSE_DIGITS_MAX) {
      sig[nsig++] = s[i];
    } else {
      ++q;
      sticky |= s[i] != '0';
    }
  }
  if (i < len && s[i] == '.') {
    ++i;
    int frac_any = 0;
    for (; i < len && is_digit(s[i]); ++i, frac_any = 1) {
      if (nsig == 0 && s[i] == '0') {
        --q;
      } else if (nsig < PARSE_DIGITS_MAX) {
        sig[nsig++] = s[i];
        --q;
      } else {
        sticky |= s[i] != '0';
      }
    }
    if (!frac_any) return 0;
  }
  if (!any) return 0;
  if (i < len && (s[i] == 'e' || s[i] == 'E')) {
    uint32_t j = i + 1;
    int eneg = 0, e = 0, eany = 0;
    if (j < len && (s[j] == '+' || s[j] == '-')) eneg = s[j++] == '-';
    for (; j < len && is_digit(s[j]); ++j, eany = 1) {
      if (e < 100000) e = e * 10 + (s[j] - '0');
    }
    if (!eany) return 0;
    q += eneg ? -e : e;
    i = j;
  }
  /* Digits beyond the 40th only matter as "something nonzero was there". */
  if (sticky) {
    sig[nsig++] = '1';
    --q;
  }
  while (nsig > 0 && sig[nsig - 1] == '0') {
    --nsig;
    ++q;
  }

  double v;
  if (nsig == 0 || q + nsig < -324) {
    v = 0.0;
  } else if (q + nsig > 310) {
    v = f64_from_bits(F64_EXP_MASK << F64_FRAC_BITS);
  } else {
    uint64_t head = 0;
    int used = nsig < 19 ? nsig : 19;
    for (int k = 0; k < used; ++k) head = head * 10 + (uint64_t)(sig[k] - '0');
    int scale = q + (nsig - used);
    v = (double)head;
    if (nsig <= 15 && scale >= -22 && scale <= 22) {
      /* Both operands exact, so the one IEEE operation rounds correctly. */
      v = scale < 0 ? v / pow10[-scale] : v * pow10[scale];
    } else {
      for (; scale > 22; scale -= 22) v *= 1e22;
      for (; scale < -22; scale += 22) v /= 1e22;
      v = scale < 0 ? v / pow10[-scale] : v * pow10[scale];
      v = correct_guess(sig, nsig, q, v);
    }
  }
  *out = neg ? -v : v;
  return i;
}
