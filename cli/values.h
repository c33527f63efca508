// Text forms of WebAssembly values at the command line: parsing arguments for
// `continuum run --invoke`, and printing results as "i32:42", "f64:-0.5",
// "f32:nan", "funcref:null".
#pragma once

#include <stdint.h>

#include <string>
#include <string_view>

#include "continuum/engine/runtime.h"

namespace continuum::cli {

// Parses `text` as a value of type `type`. Integers: decimal (signed or
// unsigned range) or 0x hex, optional sign. Floats: decimal, hex float,
// "nan", "inf", "-inf". References: "null" only.
// On failure returns false and sets *error to a sentence naming the problem.
bool parse_value(engine::ValType type, std::string_view text, engine::Value* out,
                 std::string* error);

// "i32:42", "i64:-7", "f32:1.5", "f64:-inf", "f32:nan", "f32:nan:0x200000"
// (non-canonical payload), "funcref:null", "externref:0x10".
std::string format_value(const engine::Value& value);

// format_value plus the raw bits of floats, for exact comparisons in reports.
std::string format_value_exact(const engine::Value& value);

// Parses a byte size: "65536", "64KiB", "16MiB", "1GiB" (also K/M/G, KB/MB/GB
// meaning the same binary units). Returns false on junk or overflow.
bool parse_byte_size(std::string_view text, uint64_t* out);

}  // namespace continuum::cli
