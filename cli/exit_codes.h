// Exit statuses of `continuum`, in one place so that the help text, the
// docs and the tests agree. A guest's own proc_exit code passes through
// unchanged (0..255 after the usual truncation by the OS).
#pragma once

namespace continuum::cli {

inline constexpr int kExitOk = 0;
// Something was wrong before any guest code ran: unreadable file, malformed
// or invalid module, unresolved import, bad option value; or a spec test failed.
inline constexpr int kExitError = 1;
// The command line itself could not be parsed (CLI11's usage errors).
inline constexpr int kExitUsage = 2;
// The guest ran out of its --fuel budget. Same number timeout(1) uses for
// "took too long", the nearest familiar meaning.
inline constexpr int kExitOutOfFuel = 124;
// The guest trapped. Same number wasmtime uses, so scripts written against
// it keep working; we never actually raise SIGABRT.
inline constexpr int kExitTrap = 134;

}  // namespace continuum::cli
