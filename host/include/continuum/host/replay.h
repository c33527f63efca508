// Offline replay: runs one stage on a recorded trace and reports, one JSON
// line each, everything it did that leaves the stage (messages emitted,
// actuator changes, serial writes, refused calls, failed deliveries). Module
// authors use it through `continuum replay`; tests compare the wasm and the
// native build of a module with it. Output is deterministic.
//
// Trace: JSON lines, times "t" in milliseconds of monotonic time, in order:
//   {"t":1000,"tick":true}                          ctm_on_tick(t * 1000 us)
//   {"t":1000,"port":"in","payload":{...}}          ctm_on_message; payload as JSON
//                                                   text (a JSON string: its content)
//   {"t":1000,"port":"in","hex":"0a0b"}             ctm_on_message with raw bytes
//   {"t":1000,"sensor":"soil-1","value":0.31}       the sensor's next reading
//   {"t":1000,"serial":"krc2","hex":"..."}          bytes arriving on a serial port
//   {"t":1000,"serial":"krc2","text":"..."}         ... given as text
// ctm_init runs before the first event, at its time (at 0 if there is none).
// Empty lines and lines starting with '#' are skipped.
//
// Output lines ("t" in milliseconds, numbers as the SDK formats them):
//   {"t":1000,"emit":"readings","payload":{...}}    (or "hex" if not JSON)
//   {"t":1000,"actuator":"pump-1","value":1}        only when the value changes
//   {"t":1000,"serial":"krc2","hex":"..."}
//   {"t":1000,"refused":"actuator_set","resource":"pump-1","error":"not granted"}
//   {"t":1000,"failed":"ctm_on_message","detail":"..."}
#pragma once

#include <iosfwd>
#include <map>
#include <string>

#include "continuum/host/stage_runtime.h"

namespace continuum::host {

struct ReplayOptions {
  std::string module_path;  // .wasm or native shared library
  StageConfig stage;
  RuntimeLimits limits;
  bool echo_logs = false;   // module log lines to stderr
};

struct ReplaySummary {
  uint64_t lines = 0;
  uint64_t output_lines = 0;
  StageCounters counters;
};

// False + *error for a module that does not load or a malformed trace line
// ("trace line N: ..."); output up to that point has been written.
bool run_replay(const ReplayOptions& options, std::istream& trace, std::ostream& out,
                ReplaySummary* summary, std::string* error);

// Stage configuration from a JSON object: string values as they are, any
// other value as its JSON text. False + *error if not an object.
bool parse_stage_config(const std::string& json_text,
                        std::map<std::string, std::string, std::less<>>* out, std::string* error);

}  // namespace continuum::host
