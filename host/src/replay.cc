#include "continuum/host/replay.h"

#include <math.h>

#include <istream>
#include <nlohmann/json.hpp>
#include <ostream>

#include "continuum_json.h"

namespace continuum::host {
namespace {

using nlohmann::json;

std::string hex_of(const std::vector<uint8_t>& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s;
  for (uint8_t b : bytes) {
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

bool bytes_of_hex(const std::string& hex, std::vector<uint8_t>* out) {
  if (hex.size() % 2) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  out->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<uint8_t>(hi * 16 + lo));
  }
  return true;
}

// Numbers exactly as a module's SDK writes them.
std::string number(double v) {
  char buf[CTM_F64_TEXT_MAX + 8];
  return std::string(buf, ctm_fmt_f64(buf, sizeof buf, v));
}

std::string json_string(const std::string& s) { return json(s).dump(); }

std::string time_field(int64_t time_us) { return "{\"t\":" + number(time_us / 1000.0); }

// The payload as JSON if it is JSON (kept byte for byte when it is one line).
std::string payload_field(const std::vector<uint8_t>& bytes) {
  std::string text(bytes.begin(), bytes.end());
  if (!text.empty() && json::accept(text)) {
    if (text.find_first_of("\r\n") == std::string::npos) return ",\"payload\":" + text;
    return ",\"payload\":" + json::parse(text).dump();
  }
  return ",\"hex\":\"" + hex_of(bytes) + "\"";
}

class Replayer {
 public:
  Replayer(std::ostream& out, MemoryDevices& devices) : out_(out), devices_(devices) {}

  void flush_events() {
    for (const DeviceEvent& e : devices_.take_events()) {
      std::string line = time_field(e.time_us);
      switch (e.kind) {
        case DeviceEvent::Kind::Emit:
          line += ",\"emit\":" + json_string(e.name) + payload_field(e.bytes);
          break;
        case DeviceEvent::Kind::Actuator:
          line += ",\"actuator\":" + json_string(e.name) + ",\"value\":" + number(e.value);
          break;
        case DeviceEvent::Kind::SerialWrite:
          line += ",\"serial\":" + json_string(e.name) + ",\"hex\":\"" + hex_of(e.bytes) + "\"";
          break;
        case DeviceEvent::Kind::Refused:
          line += ",\"refused\":" + json_string(e.name) + ",\"resource\":" + json_string(e.resource) +
                  ",\"error\":" + json_string(status_name(e.status));
          break;
        case DeviceEvent::Kind::Log:
          continue;  // logs are not the stage's output (see --log)
      }
      write(line + "}");
    }
  }

  void report(const char* entry, const CallResult& r, int64_t time_us) {
    flush_events();
    if (r.ok()) return;
    std::string detail = r.detail;
    if (r.kind == CallResult::Kind::HandlerError && detail.empty()) {
      detail = "returned " + std::to_string(r.code) + " (" + status_name(r.code) + ")";
    }
    if (r.kind == CallResult::Kind::OutOfFuel) detail = "out of fuel";
    write(time_field(time_us) + ",\"failed\":" + json_string(entry) + ",\"detail\":" + json_string(detail) +
          "}");
  }

  uint64_t lines_written() const { return written_; }

 private:
  void write(const std::string& line) {
    out_ << line << '\n';
    ++written_;
  }

  std::ostream& out_;
  MemoryDevices& devices_;
  uint64_t written_ = 0;
};

}  // namespace

bool parse_stage_config(const std::string& json_text,
                        std::map<std::string, std::string, std::less<>>* out, std::string* error) {
  json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    *error = "stage configuration must be a JSON object";
    return false;
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    (*out)[it.key()] = it->is_string() ? it->get<std::string>() : it->dump();
  }
  return true;
}

bool run_replay(const ReplayOptions& options, std::istream& trace, std::ostream& out,
                ReplaySummary* summary, std::string* error) {
  MemoryDevices devices;
  devices.set_echo_logs(options.echo_logs);
  // Loaded before the trace is read, so a bad module is reported as such;
  // ctm_init runs at the first event's time (0 for an empty trace).
  std::unique_ptr<StageRuntime> stage =
      StageRuntime::load(options.module_path, options.stage, devices, options.limits, error);
  if (!stage) return false;
  bool initialised = false;
  Replayer replayer(out, devices);
  std::string line;
  uint64_t line_no = 0;
  int64_t last_us = INT64_MIN;
  auto fail = [&](const std::string& why) {
    *error = "trace line " + std::to_string(line_no) + ": " + why;
    return false;
  };

  while (std::getline(trace, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos || line[0] == '#') continue;
    json ev = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!ev.is_object()) return fail("not a JSON object");
    if (!ev.contains("t") || !ev["t"].is_number()) return fail("needs a number \"t\" (milliseconds)");
    double t_ms = ev["t"].get<double>();
    if (!isfinite(t_ms) || fabs(t_ms) > 9e12) return fail("\"t\" out of range");
    int64_t now_us = llround(t_ms * 1000.0);
    if (now_us < last_us) return fail("time goes backwards");
    last_us = now_us;
    devices.set_time_us(now_us);
    ++summary->lines;

    if (!initialised) {
      initialised = true;
      replayer.report("ctm_init", stage->init(), now_us);
    }

    if (ev.contains("sensor")) {
      if (!ev["sensor"].is_string() || !ev.contains("value") || !ev["value"].is_number())
        return fail("a sensor line needs \"sensor\" (string) and \"value\" (number)");
      devices.set_sensor(ev["sensor"].get<std::string>(), ev["value"].get<double>());
    } else if (ev.contains("serial")) {
      std::vector<uint8_t> bytes;
      if (ev.contains("hex") && ev["hex"].is_string()) {
        if (!bytes_of_hex(ev["hex"].get<std::string>(), &bytes)) return fail("bad \"hex\"");
      } else if (ev.contains("text") && ev["text"].is_string()) {
        std::string text = ev["text"].get<std::string>();
        bytes.assign(text.begin(), text.end());
      } else {
        return fail("a serial line needs \"hex\" or \"text\"");
      }
      devices.push_serial_input(ev["serial"].get<std::string>(), bytes.data(), bytes.size());
    } else if (ev.contains("port")) {
      if (!ev["port"].is_string()) return fail("\"port\" must be a string");
      std::vector<uint8_t> bytes;
      if (ev.contains("payload")) {
        const json& p = ev["payload"];
        std::string text = p.is_string() ? p.get<std::string>() : p.dump();
        bytes.assign(text.begin(), text.end());
      } else if (ev.contains("hex") && ev["hex"].is_string()) {
        if (!bytes_of_hex(ev["hex"].get<std::string>(), &bytes)) return fail("bad \"hex\"");
      } else {
        return fail("a port line needs \"payload\" or \"hex\"");
      }
      std::string port = ev["port"].get<std::string>();
      CallResult r = stage->deliver(port, bytes.data(), static_cast<uint32_t>(bytes.size()));
      replayer.report("ctm_on_message", r, now_us);
    } else if (ev.contains("tick")) {
      replayer.report("ctm_on_tick", stage->tick(now_us), now_us);
    } else {
      return fail("unknown event (expected tick, port, sensor or serial)");
    }
    replayer.flush_events();
  }
  if (!initialised) replayer.report("ctm_init", stage->init(), 0);
  summary->counters = stage->host().counters();
  summary->output_lines = replayer.lines_written();
  return true;
}

}  // namespace continuum::host
