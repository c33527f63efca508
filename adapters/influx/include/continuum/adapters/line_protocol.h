// How a reading becomes an InfluxDB 1.x line-protocol point.
//
//   <measurement>,node=<node>,stage=<stage> <value fields>,_seq=<seq>i,_received_ms=<ms>i[,_hops="<json>"] <time ns>
//
// Idempotency: InfluxDB keeps one point per (series, timestamp) and a second
// write of the same point overwrites the first. The series is
// (measurement, node, stage) and the timestamp is
//   ts_ms * 1_000_000 + (seq mod 1_000_000)   nanoseconds,
// so (node, stage, seq) decides the point: a duplicate delivery of a reading
// overwrites itself, while two readings of one stage within the same
// millisecond still get distinct points (their seqs differ). Read back at
// millisecond precision the time is the origin timestamp again.
// Value fields whose names start with '_' or are "node"/"stage" are reserved
// and not written; NaN and infinities are not representable and are skipped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "continuum/node/reading.h"

namespace continuum::adapters::influx {

int64_t point_time_ns(const node::Reading& reading);
std::string to_line(std::string_view measurement, const node::Reading& reading, int64_t received_ms);

}  // namespace continuum::adapters::influx
