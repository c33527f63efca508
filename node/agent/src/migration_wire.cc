#include "migration_wire.h"

namespace continuum::node::agent {

using nlohmann::json;

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int value_of(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool non_negative(const json& v) {
  return v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0);
}

bool string_list(const json& j, const char* key, std::vector<std::string>* out, std::string* error) {
  if (!j.contains(key)) return true;
  if (!j[key].is_array()) {
    *error = std::string("settings.") + key + ": expected an array of strings";
    return false;
  }
  for (const json& v : j[key]) {
    if (!v.is_string()) {
      *error = std::string("settings.") + key + ": expected an array of strings";
      return false;
    }
    out->push_back(v.get<std::string>());
  }
  return true;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int k = 3; k >= 0; --k) out += kAlphabet[(v >> (6 * k)) & 63];
  }
  if (std::size_t rest = bytes.size() - i) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    if (rest == 2) v |= uint8_t(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int pad = 0;
    if (last && text[i + 3] == '=') pad = text[i + 2] == '=' ? 2 : 1;
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      int d = k >= 4 - pad ? 0 : value_of(text[i + k]);
      if (d < 0) return std::nullopt;
      v = (v << 6) | uint32_t(d);
    }
    out += char(v >> 16);
    if (pad < 2) out += char((v >> 8) & 0xff);
    if (pad < 1) out += char(v & 0xff);
  }
  return out;
}

json stage_settings_json(const StageSettings& s) {
  json inputs = json::object();
  for (const auto& [port, sources] : s.inputs) {
    json list = json::array();
    for (const SourceSettings& src : sources) list.push_back({{"node", src.node}, {"stage", src.stage}, {"port", src.port}});
    inputs[port] = list;
  }
  json j = {{"name", s.name},       {"grants", s.grants},   {"limits", s.limits},
            {"config", s.config},   {"inputs", inputs},     {"publish_all", s.publish_all},
            {"publish", s.publish}, {"queue", s.queue},     {"fuel", s.fuel},
            {"memory_bytes", s.memory_bytes}};
  if (s.tick) j["tick_ms"] = s.tick->count();
  return j;
}

std::optional<StageSettings> stage_settings_from_json(const json& j, std::string* error) {
  StageSettings s;
  if (!j.is_object() || !j.contains("name") || !j["name"].is_string() || j["name"].get<std::string>().empty()) {
    *error = "settings.name: expected the stage's name";
    return std::nullopt;
  }
  s.name = j["name"].get<std::string>();
  if (!string_list(j, "grants", &s.grants, error) || !string_list(j, "limits", &s.limits, error) ||
      !string_list(j, "publish", &s.publish, error))
    return std::nullopt;
  if (j.contains("config")) {
    if (!j["config"].is_object()) {
      *error = "settings.config: expected an object of strings";
      return std::nullopt;
    }
    for (auto it = j["config"].begin(); it != j["config"].end(); ++it) {
      if (!it.value().is_string()) {
        *error = "settings.config." + it.key() + ": expected a string";
        return std::nullopt;
      }
      s.config[it.key()] = it.value().get<std::string>();
    }
  }
  if (j.contains("inputs")) {
    if (!j["inputs"].is_object()) {
      *error = "settings.inputs: expected an object (port -> sources)";
      return std::nullopt;
    }
    for (auto it = j["inputs"].begin(); it != j["inputs"].end(); ++it) {
      if (!it.value().is_array()) {
        *error = "settings.inputs." + it.key() + ": expected an array of {node, stage, port}";
        return std::nullopt;
      }
      for (const json& src : it.value()) {
        SourceSettings one;
        one.remote = true;
        if (!src.is_object() || !src.value("node", json()).is_string() || !src.value("stage", json()).is_string() ||
            !src.value("port", json()).is_string()) {
          *error = "settings.inputs." + it.key() + ": expected an array of {node, stage, port} strings";
          return std::nullopt;
        }
        one.node = src["node"].get<std::string>();
        one.stage = src["stage"].get<std::string>();
        one.port = src["port"].get<std::string>();
        one.text = one.node + "/" + one.stage + "/" + one.port;
        s.inputs[it.key()].push_back(one);
      }
    }
  }
  auto number = [&](const char* key, auto* out) {
    if (!j.contains(key)) return true;
    if (!non_negative(j[key])) {
      *error = std::string("settings.") + key + ": expected a non-negative integer";
      return false;
    }
    *out = j[key].get<std::remove_pointer_t<decltype(out)>>();
    return true;
  };
  uint64_t tick_ms = 0;
  if (!number("queue", &s.queue) || !number("fuel", &s.fuel) || !number("memory_bytes", &s.memory_bytes) ||
      !number("tick_ms", &tick_ms))
    return std::nullopt;
  if (tick_ms > 0) s.tick = Millis(static_cast<int64_t>(tick_ms));
  if (s.queue == 0) {
    *error = "settings.queue: expected at least 1";
    return std::nullopt;
  }
  if (j.contains("publish_all")) {
    if (!j["publish_all"].is_boolean()) {
      *error = "settings.publish_all: expected a boolean";
      return std::nullopt;
    }
    s.publish_all = j["publish_all"].get<bool>();
  }
  return s;
}

json covered_json(const std::map<std::string, uint64_t, std::less<>>& covered) {
  json j = json::object();
  for (const auto& [source, seq] : covered) j[source] = seq;
  return j;
}

bool covered_from_json(const json& j, std::map<std::string, uint64_t, std::less<>>* out, std::string* error) {
  if (!j.is_object()) {
    *error = "covered: expected an object (\"node/stage\" -> seq)";
    return false;
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!non_negative(it.value())) {
      *error = "covered." + it.key() + ": expected a non-negative integer";
      return false;
    }
    (*out)[it.key()] = it.value().get<uint64_t>();
  }
  return true;
}

}  // namespace continuum::node::agent
