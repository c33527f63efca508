// The project version: the one constant behind `continuum --version` and the
// heartbeat's "version". Set from project(VERSION) in the top CMakeLists.txt.
#pragma once

namespace continuum::node {

inline constexpr const char* kVersion = CONTINUUM_VERSION;

}  // namespace continuum::node
