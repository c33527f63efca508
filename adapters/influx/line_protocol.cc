#include "continuum/adapters/line_protocol.h"

#include <charconv>
#include <cmath>

#include <nlohmann/json.hpp>

#include "continuum/node/reading.h"

namespace continuum::adapters::influx {

namespace {

// Measurement names escape commas and spaces; tag keys, tag values and field
// keys also escape '='.
void append_escaped(std::string& out, std::string_view text, bool escape_equals) {
  for (char c : text) {
    if (c == ',' || c == ' ' || (escape_equals && c == '=')) out += '\\';
    out += c;
  }
}

void append_string_field(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

void append_double(std::string& out, double value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);  // shortest round-trip form
  (void)ec;
  out.append(buffer, end);
}

bool reserved(std::string_view field) { return field.empty() || field[0] == '_' || field == "node" || field == "stage"; }

}  // namespace

int64_t point_time_ns(const node::Reading& reading) {
  return reading.ts_ms * 1'000'000 + static_cast<int64_t>(reading.seq % 1'000'000);
}

std::string to_line(std::string_view measurement, const node::Reading& reading, int64_t received_ms) {
  std::string line;
  append_escaped(line, measurement, false);
  line += ",node=";
  append_escaped(line, reading.node, true);
  line += ",stage=";
  append_escaped(line, reading.stage, true);
  line += ' ';
  for (const auto& [field, value] : reading.values) {
    if (reserved(field) || !std::isfinite(value)) continue;
    append_escaped(line, field, true);
    line += '=';
    append_double(line, value);
    line += ',';
  }
  for (const auto& [field, text] : reading.text_values) {
    if (reserved(field)) continue;
    append_escaped(line, field, true);
    line += '=';
    append_string_field(line, text);
    line += ',';
  }
  line += "_seq=" + std::to_string(reading.seq) + "i,_received_ms=" + std::to_string(received_ms) + "i";
  if (!reading.hops.empty()) {
    line += ",_hops=";
    append_string_field(line, node::encode_hops(reading.hops));
  }
  line += ' ';
  line += std::to_string(point_time_ns(reading));
  return line;
}

}  // namespace continuum::adapters::influx
