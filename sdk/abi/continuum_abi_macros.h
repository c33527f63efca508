/* Preprocessor helpers that turn the entries of continuum_abi.def into
 * declarations. Shared by the guest SDK (C) and the host (C++), so both read
 * the one table the same way. */
#ifndef CONTINUUM_ABI_MACROS_H
#define CONTINUUM_ABI_MACROS_H

#include <stdint.h>

/* Bumped whenever an entry is appended to continuum_abi.def. */
#define CTM_ABI_VERSION 1
/* The wasm import module name of every host function. */
#define CTM_ABI_MODULE "continuum"

#define CTM_ABI_CAT_(a, b) a##b
#define CTM_ABI_CAT(a, b) CTM_ABI_CAT_(a, b)
#define CTM_ABI_STR_(x) #x
#define CTM_ABI_STR(x) CTM_ABI_STR_(x)
#define CTM_ABI_APPLY(m, args) m args
#define CTM_ABI_ID(...) __VA_ARGS__

/* CTM_ABI_EACH(n, M, (T1, p1, T2, p2, ...)) expands to
 * M(T1, p1, 0), M(T2, p2, 1), ... (comma separated; nothing for n == 0). */
#define CTM_ABI_EACH(n, M, params) \
  CTM_ABI_APPLY(CTM_ABI_CAT(CTM_ABI_EACH_, n), (M, CTM_ABI_ID params))
#define CTM_ABI_EACH_0(M, unused)
#define CTM_ABI_EACH_1(M, T0, p0) M(T0, p0, 0)
#define CTM_ABI_EACH_2(M, T0, p0, T1, p1) M(T0, p0, 0), M(T1, p1, 1)
#define CTM_ABI_EACH_3(M, T0, p0, T1, p1, T2, p2) M(T0, p0, 0), M(T1, p1, 1), M(T2, p2, 2)
#define CTM_ABI_EACH_4(M, T0, p0, T1, p1, T2, p2, T3, p3) \
  M(T0, p0, 0), M(T1, p1, 1), M(T2, p2, 2), M(T3, p3, 3)
#define CTM_ABI_EACH_5(M, T0, p0, T1, p1, T2, p2, T3, p3, T4, p4) \
  M(T0, p0, 0), M(T1, p1, 1), M(T2, p2, 2), M(T3, p3, 3), M(T4, p4, 4)
#define CTM_ABI_EACH_6(M, T0, p0, T1, p1, T2, p2, T3, p3, T4, p4, T5, p5) \
  M(T0, p0, 0), M(T1, p1, 1), M(T2, p2, 2), M(T3, p3, 3), M(T4, p4, 4), M(T5, p5, 5)

/* Parameter type tokens.
 *   I32      signed 32-bit integer
 *   F64      double
 *   STR      guest pointer to UTF-8 text (not NUL-terminated), length in the next LEN
 *   BUF_IN   guest pointer to bytes the host reads, length in the next LEN
 *   BUF_OUT  guest pointer to bytes the host writes, capacity in the next LEN
 *   LEN      unsigned 32-bit byte count
 *   OUT_F64  guest pointer to one double (8 bytes, any alignment) the host writes
 *   I64      signed 64-bit integer
 *   BYTES_IN, BYTES_OUT  as BUF_IN / BUF_OUT, typed uint8_t (module exports)
 * Result tokens: I32, I64; PTR (a guest pointer, module exports only). */
#define CTM_ABI_CTYPE(T) CTM_ABI_CAT(CTM_ABI_CTYPE_, T)
#define CTM_ABI_CTYPE_I32 int32_t
#define CTM_ABI_CTYPE_I64 int64_t
#define CTM_ABI_CTYPE_F64 double
#define CTM_ABI_CTYPE_STR const char*
#define CTM_ABI_CTYPE_BUF_IN const void*
#define CTM_ABI_CTYPE_BUF_OUT void*
#define CTM_ABI_CTYPE_LEN uint32_t
#define CTM_ABI_CTYPE_OUT_F64 double*
#define CTM_ABI_CTYPE_BYTES_IN const uint8_t*
#define CTM_ABI_CTYPE_BYTES_OUT uint8_t*
#define CTM_ABI_CTYPE_PTR void*

/* The wasm value type each token travels as (wasm32: pointers are i32). */
#define CTM_ABI_WASM(T) CTM_ABI_CAT(CTM_ABI_WASM_, T)
#define CTM_ABI_WASM_I32 I32
#define CTM_ABI_WASM_I64 I64
#define CTM_ABI_WASM_F64 F64
#define CTM_ABI_WASM_STR I32
#define CTM_ABI_WASM_BUF_IN I32
#define CTM_ABI_WASM_BUF_OUT I32
#define CTM_ABI_WASM_LEN I32
#define CTM_ABI_WASM_OUT_F64 I32
#define CTM_ABI_WASM_BYTES_IN I32
#define CTM_ABI_WASM_BYTES_OUT I32
#define CTM_ABI_WASM_PTR I32

/* "T name" for a C parameter list, and "name" for an argument list. */
#define CTM_ABI_PARAM(T, p, i) CTM_ABI_CTYPE(T) p
#define CTM_ABI_ARG(T, p, i) p

/* A whole C parameter list: "void" when there are none. */
#define CTM_ABI_PARAM_LIST(n, params) CTM_ABI_CAT(CTM_ABI_PLIST_, n)(params)
#define CTM_ABI_PLIST_0(params) void
#define CTM_ABI_PLIST_1(params) CTM_ABI_EACH(1, CTM_ABI_PARAM, params)
#define CTM_ABI_PLIST_2(params) CTM_ABI_EACH(2, CTM_ABI_PARAM, params)
#define CTM_ABI_PLIST_3(params) CTM_ABI_EACH(3, CTM_ABI_PARAM, params)
#define CTM_ABI_PLIST_4(params) CTM_ABI_EACH(4, CTM_ABI_PARAM, params)
#define CTM_ABI_PLIST_5(params) CTM_ABI_EACH(5, CTM_ABI_PARAM, params)
#define CTM_ABI_PLIST_6(params) CTM_ABI_EACH(6, CTM_ABI_PARAM, params)

/* ", T1 p1, T2 p2" and ", p1, p2" (nothing when there are no parameters),
 * for lists that start with a fixed first parameter. */
#define CTM_ABI_TAIL_PARAMS(n, params) CTM_ABI_CAT(CTM_ABI_TAIL_, n)(CTM_ABI_PARAM, params)
#define CTM_ABI_TAIL_ARGS(n, params) CTM_ABI_CAT(CTM_ABI_TAIL_, n)(CTM_ABI_ARG, params)
#define CTM_ABI_TAIL_0(M, params)
#define CTM_ABI_TAIL_1(M, params) , CTM_ABI_EACH(1, M, params)
#define CTM_ABI_TAIL_2(M, params) , CTM_ABI_EACH(2, M, params)
#define CTM_ABI_TAIL_3(M, params) , CTM_ABI_EACH(3, M, params)
#define CTM_ABI_TAIL_4(M, params) , CTM_ABI_EACH(4, M, params)
#define CTM_ABI_TAIL_5(M, params) , CTM_ABI_EACH(5, M, params)
#define CTM_ABI_TAIL_6(M, params) , CTM_ABI_EACH(6, M, params)

#endif
