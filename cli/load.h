// Reading a module from disk the way a real embedder receives one: in chunks,
// through the streaming ModuleDecoder. Also the text forms of engine errors
// and traps, which the subcommands print.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <string>
#include <vector>

#include "continuum/engine/module.h"
#include "continuum/engine/trap.h"

namespace continuum::cli {

// Chunk size for feeding the decoder; small enough that a multi-section
// module really arrives in pieces.
inline constexpr size_t kDecodeChunkBytes = 64 * 1024;

// Reads a whole file. On failure returns false and sets *error to
// "cannot read PATH: reason".
bool read_file(const std::string& path, std::vector<uint8_t>* out, std::string* error);

// Feeds `bytes` to a ModuleDecoder in kDecodeChunkBytes pieces and finishes it
// (which validates). On failure returns false and sets *error to the engine's
// formatted message (without the file name).
bool decode_bytes(engine::Allocator& alloc, const uint8_t* bytes, size_t size,
                  engine::Box<engine::Module>* out, std::string* error);

// read_file + decode_bytes, streaming straight from the file. Errors read
// "PATH: message".
bool load_module(engine::Allocator& alloc, const std::string& path,
                 engine::Box<engine::Module>* out, std::string* error);

std::string describe_error(const engine::Error& error);
std::string describe_trap(const engine::Trap& trap);

}  // namespace continuum::cli
