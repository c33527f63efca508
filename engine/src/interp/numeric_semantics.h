// The semantic table: what each numeric and memory operator of opcodes.def
// computes. The interpreter's handlers are generated from opcodes.def and call
// the function of the same name here. Operand and result C types follow the
// table's value types (i32 -> uint32_t, i64 -> uint64_t, f32 -> float,
// f64 -> double). Operators that can trap set `trap`; the compiler folds the
// check away for the ones that never do.
//
// Everything here is free of C++ undefined behaviour: shifts are masked,
// signed overflow is computed in unsigned arithmetic, float->int conversions
// are range-checked before the cast, and bit-level float operations (abs, neg,
// copysign) work on the bit pattern so NaN payloads survive.
#pragma once

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "continuum/engine/trap.h"

namespace continuum::engine::interp::sem {

using u32 = uint32_t;
using u64 = uint64_t;
using i32 = int32_t;
using i64 = int64_t;
using f32 = float;
using f64 = double;

inline u32 bits(f32 v) { u32 b; memcpy(&b, &v, 4); return b; }
inline u64 bits(f64 v) { u64 b; memcpy(&b, &v, 8); return b; }
inline f32 f32_of(u32 b) { f32 v; memcpy(&v, &b, 4); return v; }
inline f64 f64_of(u64 b) { f64 v; memcpy(&v, &b, 8); return v; }

#define CTM_UN(name, R, A, ...) \
  inline R name(A a, TrapKind& trap) { (void)trap; return __VA_ARGS__; }
#define CTM_BIN(name, R, A, ...) \
  inline R name(A a, A b, TrapKind& trap) { (void)trap; return __VA_ARGS__; }

// --- comparisons
CTM_UN(I32Eqz, u32, u32, a == 0)
CTM_BIN(I32Eq, u32, u32, a == b)
CTM_BIN(I32Ne, u32, u32, a != b)
CTM_BIN(I32LtS, u32, u32, i32(a) < i32(b))
CTM_BIN(I32LtU, u32, u32, a < b)
CTM_BIN(I32GtS, u32, u32, i32(a) > i32(b))
CTM_BIN(I32GtU, u32, u32, a > b)
CTM_BIN(I32LeS, u32, u32, i32(a) <= i32(b))
CTM_BIN(I32LeU, u32, u32, a <= b)
CTM_BIN(I32GeS, u32, u32, i32(a) >= i32(b))
CTM_BIN(I32GeU, u32, u32, a >= b)
inline u32 I64Eqz(u64 a, TrapKind&) { return a == 0; }
inline u32 I64Eq(u64 a, u64 b, TrapKind&) { return a == b; }
inline u32 I64Ne(u64 a, u64 b, TrapKind&) { return a != b; }
inline u32 I64LtS(u64 a, u64 b, TrapKind&) { return i64(a) < i64(b); }
inline u32 I64LtU(u64 a, u64 b, TrapKind&) { return a < b; }
inline u32 I64GtS(u64 a, u64 b, TrapKind&) { return i64(a) > i64(b); }
inline u32 I64GtU(u64 a, u64 b, TrapKind&) { return a > b; }
inline u32 I64LeS(u64 a, u64 b, TrapKind&) { return i64(a) <= i64(b); }
inline u32 I64LeU(u64 a, u64 b, TrapKind&) { return a <= b; }
inline u32 I64GeS(u64 a, u64 b, TrapKind&) { return i64(a) >= i64(b); }
inline u32 I64GeU(u64 a, u64 b, TrapKind&) { return a >= b; }
inline u32 F32Eq(f32 a, f32 b, TrapKind&) { return a == b; }
inline u32 F32Ne(f32 a, f32 b, TrapKind&) { return a != b; }
inline u32 F32Lt(f32 a, f32 b, TrapKind&) { return a < b; }
inline u32 F32Gt(f32 a, f32 b, TrapKind&) { return a > b; }
inline u32 F32Le(f32 a, f32 b, TrapKind&) { return a <= b; }
inline u32 F32Ge(f32 a, f32 b, TrapKind&) { return a >= b; }
inline u32 F64Eq(f64 a, f64 b, TrapKind&) { return a == b; }
inline u32 F64Ne(f64 a, f64 b, TrapKind&) { return a != b; }
inline u32 F64Lt(f64 a, f64 b, TrapKind&) { return a < b; }
inline u32 F64Gt(f64 a, f64 b, TrapKind&) { return a > b; }
inline u32 F64Le(f64 a, f64 b, TrapKind&) { return a <= b; }
inline u32 F64Ge(f64 a, f64 b, TrapKind&) { return a >= b; }

// --- integer arithmetic
template <class U, class S>
inline U div_s(U a, U b, TrapKind& trap) {
  if (b == 0) { trap = TrapKind::IntegerDivideByZero; return 0; }
  if (S(a) == S(U(1) << (sizeof(U) * 8 - 1)) && S(b) == -1) { trap = TrapKind::IntegerOverflow; return 0; }
  return U(S(a) / S(b));
}
template <class U, class S>
inline U rem_s(U a, U b, TrapKind& trap) {
  if (b == 0) { trap = TrapKind::IntegerDivideByZero; return 0; }
  if (S(b) == -1) return 0;  // also the INT_MIN % -1 case, which C++ leaves undefined
  return U(S(a) % S(b));
}
template <class U>
inline U div_u(U a, U b, TrapKind& trap) {
  if (b == 0) { trap = TrapKind::IntegerDivideByZero; return 0; }
  return a / b;
}
template <class U>
inline U rem_u(U a, U b, TrapKind& trap) {
  if (b == 0) { trap = TrapKind::IntegerDivideByZero; return 0; }
  return a % b;
}
template <class U>
inline U rotl(U a, U b) {
  unsigned n = unsigned(b) & (sizeof(U) * 8 - 1);
  return n ? U((a << n) | (a >> (sizeof(U) * 8 - n))) : a;
}
template <class U>
inline U rotr(U a, U b) {
  unsigned n = unsigned(b) & (sizeof(U) * 8 - 1);
  return n ? U((a >> n) | (a << (sizeof(U) * 8 - n))) : a;
}

CTM_UN(I32Clz, u32, u32, a ? u32(__builtin_clz(a)) : 32)
CTM_UN(I32Ctz, u32, u32, a ? u32(__builtin_ctz(a)) : 32)
CTM_UN(I32Popcnt, u32, u32, u32(__builtin_popcount(a)))
CTM_BIN(I32Add, u32, u32, a + b)
CTM_BIN(I32Sub, u32, u32, a - b)
CTM_BIN(I32Mul, u32, u32, a * b)
CTM_BIN(I32DivS, u32, u32, (div_s<u32, i32>(a, b, trap)))
CTM_BIN(I32DivU, u32, u32, div_u<u32>(a, b, trap))
CTM_BIN(I32RemS, u32, u32, (rem_s<u32, i32>(a, b, trap)))
CTM_BIN(I32RemU, u32, u32, rem_u<u32>(a, b, trap))
CTM_BIN(I32And, u32, u32, a & b)
CTM_BIN(I32Or, u32, u32, a | b)
CTM_BIN(I32Xor, u32, u32, a ^ b)
CTM_BIN(I32Shl, u32, u32, a << (b & 31))
CTM_BIN(I32ShrS, u32, u32, u32(i32(a) >> (b & 31)))
CTM_BIN(I32ShrU, u32, u32, a >> (b & 31))
CTM_BIN(I32Rotl, u32, u32, rotl<u32>(a, b))
CTM_BIN(I32Rotr, u32, u32, rotr<u32>(a, b))

CTM_UN(I64Clz, u64, u64, a ? u64(__builtin_clzll(a)) : 64)
CTM_UN(I64Ctz, u64, u64, a ? u64(__builtin_ctzll(a)) : 64)
CTM_UN(I64Popcnt, u64, u64, u64(__builtin_popcountll(a)))
CTM_BIN(I64Add, u64, u64, a + b)
CTM_BIN(I64Sub, u64, u64, a - b)
CTM_BIN(I64Mul, u64, u64, a * b)
CTM_BIN(I64DivS, u64, u64, (div_s<u64, i64>(a, b, trap)))
CTM_BIN(I64DivU, u64, u64, div_u<u64>(a, b, trap))
CTM_BIN(I64RemS, u64, u64, (rem_s<u64, i64>(a, b, trap)))
CTM_BIN(I64RemU, u64, u64, rem_u<u64>(a, b, trap))
CTM_BIN(I64And, u64, u64, a & b)
CTM_BIN(I64Or, u64, u64, a | b)
CTM_BIN(I64Xor, u64, u64, a ^ b)
CTM_BIN(I64Shl, u64, u64, a << (b & 63))
CTM_BIN(I64ShrS, u64, u64, u64(i64(a) >> (b & 63)))
CTM_BIN(I64ShrU, u64, u64, a >> (b & 63))
CTM_BIN(I64Rotl, u64, u64, rotl<u64>(a, b))
CTM_BIN(I64Rotr, u64, u64, rotr<u64>(a, b))

// --- float arithmetic
// min/max: NaN if either operand is NaN; -0 is below +0.
template <class F>
inline F fmin(F a, F b) {
  if (a != a || b != b) return a + b;  // propagates (and quiets) a NaN
  if (a == b) return bits(a) > bits(b) ? a : b;  // zeros of either sign: pick the negative one
  return a < b ? a : b;
}
template <class F>
inline F fmax(F a, F b) {
  if (a != a || b != b) return a + b;
  if (a == b) return bits(a) > bits(b) ? b : a;
  return a > b ? a : b;
}

// Rounding: a NaN result must be quiet. Some libm builds (and GCC's inline
// expansions at -O2) hand a signalling NaN back unchanged, so NaNs are quieted
// here by an arithmetic operation instead of trusting the library.
template <class F>
inline F rounded(F a, F r) {
  return a != a ? a + a : r;
}

CTM_UN(F32Abs, f32, f32, f32_of(bits(a) & 0x7fffffffu))
CTM_UN(F32Neg, f32, f32, f32_of(bits(a) ^ 0x80000000u))
CTM_UN(F32Ceil, f32, f32, rounded(a, ceilf(a)))
CTM_UN(F32Floor, f32, f32, rounded(a, floorf(a)))
CTM_UN(F32Trunc, f32, f32, rounded(a, truncf(a)))
CTM_UN(F32Nearest, f32, f32, rounded(a, nearbyintf(a)))  // default rounding mode: ties to even
CTM_UN(F32Sqrt, f32, f32, sqrtf(a))
CTM_BIN(F32Add, f32, f32, a + b)
CTM_BIN(F32Sub, f32, f32, a - b)
CTM_BIN(F32Mul, f32, f32, a * b)
CTM_BIN(F32Div, f32, f32, a / b)
CTM_BIN(F32Min, f32, f32, fmin(a, b))
CTM_BIN(F32Max, f32, f32, fmax(a, b))
CTM_BIN(F32Copysign, f32, f32, f32_of((bits(a) & 0x7fffffffu) | (bits(b) & 0x80000000u)))

CTM_UN(F64Abs, f64, f64, f64_of(bits(a) & 0x7fffffffffffffffull))
CTM_UN(F64Neg, f64, f64, f64_of(bits(a) ^ 0x8000000000000000ull))
CTM_UN(F64Ceil, f64, f64, rounded(a, ceil(a)))
CTM_UN(F64Floor, f64, f64, rounded(a, floor(a)))
CTM_UN(F64Trunc, f64, f64, rounded(a, trunc(a)))
CTM_UN(F64Nearest, f64, f64, rounded(a, nearbyint(a)))
CTM_UN(F64Sqrt, f64, f64, sqrt(a))
CTM_BIN(F64Add, f64, f64, a + b)
CTM_BIN(F64Sub, f64, f64, a - b)
CTM_BIN(F64Mul, f64, f64, a * b)
CTM_BIN(F64Div, f64, f64, a / b)
CTM_BIN(F64Min, f64, f64, fmin(a, b))
CTM_BIN(F64Max, f64, f64, fmax(a, b))
CTM_BIN(F64Copysign, f64, f64,
        f64_of((bits(a) & 0x7fffffffffffffffull) | (bits(b) & 0x8000000000000000ull)))

// --- conversions
// Truncation to an integer: valid when lo < x < hi (both bounds exclusive,
// exact in the source float type), a trap otherwise.
template <class I, class F>
inline I trunc_checked(F x, F lo, F hi, TrapKind& trap) {
  if (x != x) { trap = TrapKind::InvalidConversion; return 0; }
  if (!(x > lo && x < hi)) { trap = TrapKind::IntegerOverflow; return 0; }
  return I(x);
}
// Saturating truncation: NaN -> 0, out of range -> the nearest bound.
template <class I, class F>
inline I trunc_sat(F x, F lo, F hi, I min, I max) {
  if (x != x) return 0;
  if (!(x > lo)) return min;
  if (!(x < hi)) return max;
  return I(x);
}

// Exclusive bounds: -2^31-1 is not an f32, so f32 uses -2^31 with >=, written as
// "greater than the next float below -2^31" (-2147483904.0f).
CTM_UN(I32WrapI64, u32, u64, u32(a))
CTM_UN(I32TruncF32S, u32, f32, u32(trunc_checked<i32, f32>(a, -2147483904.0f, 2147483648.0f, trap)))
CTM_UN(I32TruncF32U, u32, f32, trunc_checked<u32, f32>(a, -1.0f, 4294967296.0f, trap))
CTM_UN(I32TruncF64S, u32, f64, u32(trunc_checked<i32, f64>(a, -2147483649.0, 2147483648.0, trap)))
CTM_UN(I32TruncF64U, u32, f64, trunc_checked<u32, f64>(a, -1.0, 4294967296.0, trap))
CTM_UN(I64ExtendI32S, u64, u32, u64(i64(i32(a))))
CTM_UN(I64ExtendI32U, u64, u32, u64(a))
CTM_UN(I64TruncF32S, u64, f32,
       u64(trunc_checked<i64, f32>(a, -9223373136366403584.0f, 9223372036854775808.0f, trap)))
CTM_UN(I64TruncF32U, u64, f32, trunc_checked<u64, f32>(a, -1.0f, 18446744073709551616.0f, trap))
CTM_UN(I64TruncF64S, u64, f64,
       u64(trunc_checked<i64, f64>(a, -9223372036854777856.0, 9223372036854775808.0, trap)))
CTM_UN(I64TruncF64U, u64, f64, trunc_checked<u64, f64>(a, -1.0, 18446744073709551616.0, trap))
CTM_UN(F32ConvertI32S, f32, u32, f32(i32(a)))
CTM_UN(F32ConvertI32U, f32, u32, f32(a))
CTM_UN(F32ConvertI64S, f32, u64, f32(i64(a)))
CTM_UN(F32ConvertI64U, f32, u64, f32(a))
CTM_UN(F32DemoteF64, f32, f64, f32(a))
CTM_UN(F64ConvertI32S, f64, u32, f64(i32(a)))
CTM_UN(F64ConvertI32U, f64, u32, f64(a))
CTM_UN(F64ConvertI64S, f64, u64, f64(i64(a)))
CTM_UN(F64ConvertI64U, f64, u64, f64(a))
CTM_UN(F64PromoteF32, f64, f32, f64(a))
CTM_UN(I32ReinterpretF32, u32, f32, bits(a))
CTM_UN(I64ReinterpretF64, u64, f64, bits(a))
CTM_UN(F32ReinterpretI32, f32, u32, f32_of(a))
CTM_UN(F64ReinterpretI64, f64, u64, f64_of(a))
CTM_UN(I32Extend8S, u32, u32, u32(i32(int8_t(a))))
CTM_UN(I32Extend16S, u32, u32, u32(i32(int16_t(a))))
CTM_UN(I64Extend8S, u64, u64, u64(i64(int8_t(a))))
CTM_UN(I64Extend16S, u64, u64, u64(i64(int16_t(a))))
CTM_UN(I64Extend32S, u64, u64, u64(i64(int32_t(a))))
CTM_UN(I32TruncSatF32S, u32, f32,
       u32(trunc_sat<i32, f32>(a, -2147483904.0f, 2147483648.0f, INT32_MIN, INT32_MAX)))
CTM_UN(I32TruncSatF32U, u32, f32, trunc_sat<u32, f32>(a, -1.0f, 4294967296.0f, 0, UINT32_MAX))
CTM_UN(I32TruncSatF64S, u32, f64,
       u32(trunc_sat<i32, f64>(a, -2147483649.0, 2147483648.0, INT32_MIN, INT32_MAX)))
CTM_UN(I32TruncSatF64U, u32, f64, trunc_sat<u32, f64>(a, -1.0, 4294967296.0, 0, UINT32_MAX))
CTM_UN(I64TruncSatF32S, u64, f32,
       u64(trunc_sat<i64, f32>(a, -9223373136366403584.0f, 9223372036854775808.0f, INT64_MIN,
                               INT64_MAX)))
CTM_UN(I64TruncSatF32U, u64, f32,
       trunc_sat<u64, f32>(a, -1.0f, 18446744073709551616.0f, 0, UINT64_MAX))
CTM_UN(I64TruncSatF64S, u64, f64,
       u64(trunc_sat<i64, f64>(a, -9223372036854777856.0, 9223372036854775808.0, INT64_MIN,
                               INT64_MAX)))
CTM_UN(I64TruncSatF64U, u64, f64,
       trunc_sat<u64, f64>(a, -1.0, 18446744073709551616.0, 0, UINT64_MAX))

#undef CTM_UN
#undef CTM_BIN

// --- memory: load from / store to a host pointer already bounds-checked.
template <class T>
inline T load_raw(const uint8_t* p) { T v; memcpy(&v, p, sizeof(T)); return v; }
template <class T>
inline void store_raw(uint8_t* p, T v) { memcpy(p, &v, sizeof(T)); }

inline u32 I32Load(const uint8_t* p) { return load_raw<u32>(p); }
inline u64 I64Load(const uint8_t* p) { return load_raw<u64>(p); }
inline f32 F32Load(const uint8_t* p) { return load_raw<f32>(p); }
inline f64 F64Load(const uint8_t* p) { return load_raw<f64>(p); }
inline u32 I32Load8S(const uint8_t* p) { return u32(i32(load_raw<int8_t>(p))); }
inline u32 I32Load8U(const uint8_t* p) { return load_raw<uint8_t>(p); }
inline u32 I32Load16S(const uint8_t* p) { return u32(i32(load_raw<int16_t>(p))); }
inline u32 I32Load16U(const uint8_t* p) { return load_raw<uint16_t>(p); }
inline u64 I64Load8S(const uint8_t* p) { return u64(i64(load_raw<int8_t>(p))); }
inline u64 I64Load8U(const uint8_t* p) { return load_raw<uint8_t>(p); }
inline u64 I64Load16S(const uint8_t* p) { return u64(i64(load_raw<int16_t>(p))); }
inline u64 I64Load16U(const uint8_t* p) { return load_raw<uint16_t>(p); }
inline u64 I64Load32S(const uint8_t* p) { return u64(i64(load_raw<int32_t>(p))); }
inline u64 I64Load32U(const uint8_t* p) { return load_raw<uint32_t>(p); }
inline void I32Store(uint8_t* p, u32 v) { store_raw<u32>(p, v); }
inline void I64Store(uint8_t* p, u64 v) { store_raw<u64>(p, v); }
inline void F32Store(uint8_t* p, f32 v) { store_raw<f32>(p, v); }
inline void F64Store(uint8_t* p, f64 v) { store_raw<f64>(p, v); }
inline void I32Store8(uint8_t* p, u32 v) { store_raw<uint8_t>(p, uint8_t(v)); }
inline void I32Store16(uint8_t* p, u32 v) { store_raw<uint16_t>(p, uint16_t(v)); }
inline void I64Store8(uint8_t* p, u64 v) { store_raw<uint8_t>(p, uint8_t(v)); }
inline void I64Store16(uint8_t* p, u64 v) { store_raw<uint16_t>(p, uint16_t(v)); }
inline void I64Store32(uint8_t* p, u64 v) { store_raw<uint32_t>(p, uint32_t(v)); }

}  // namespace continuum::engine::interp::sem
