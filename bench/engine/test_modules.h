// Modules the micro-benchmarks run, built in memory (see wasm_writer.h).
#pragma once

#include <stdint.h>

#include <vector>

namespace continuum::bench {

// Imports "bench" "host" : (i32) -> i32, expected to return its argument + 1.
// Exports, all (n: i32) -> i32 with n >= 1:
//   "host_loop"  acc += host(k) for k = n .. 1   (n host calls)
//   "wasm_loop"  the same loop calling a wasm function that adds 1
//   "empty_loop" the same loop with the call replaced by the add
// so that per-call costs can be separated from the loop's own cost.
std::vector<uint8_t> host_call_module();

// What the three loops return for n (the sum of k + 1 for k = 1 .. n, mod 2^32).
uint32_t expected_loop_result(uint32_t n);

// A module shaped like compiled code: `num_funcs` functions (i32, i32) -> i32
// mixing i32/i64/f64 arithmetic, memory access and an if/else, a funcref table
// holding all of them, a memory with a data segment, and an export
// "run" : (n: i32) -> i32 that calls functions 0 .. n-1 through call_indirect.
// 180 functions make about 20 KB.
std::vector<uint8_t> generated_module(uint32_t num_funcs);

// What generated_module's "run" returns for n (computed in C++).
uint32_t expected_run_result(uint32_t n);

}  // namespace continuum::bench
