#include "continuum/ota/transfer_protocol.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

namespace continuum::ota {

using nlohmann::json;

namespace {

constexpr uint8_t kChunkFormat = 1;

template <typename T>
std::optional<T> parse_json(std::string_view text, std::string* error, const char* what, auto&& build) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    *error = std::string(what) + ": not a JSON object";
    return std::nullopt;
  }
  try {
    return build(j);
  } catch (const json::exception& e) {
    *error = std::string(what) + ": missing or mistyped field (" + e.what() + ")";
    return std::nullopt;
  }
}

}  // namespace

bool valid_transfer_id(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

std::string encode_offer(const Offer& o) {
  json chunks = json::array();
  for (const Sha256& h : o.chunk_sha256) chunks.push_back(to_hex(h));
  json j{{"transfer", o.transfer},
              {"name", o.name},
              {"version", o.version},
              {"key_id", o.key_id},
              {"sha256", to_hex(o.sha256)},
              {"size", o.size},
              {"chunk_size", o.chunk_size},
              {"chunks", o.chunk_count()},
              {"chunk_sha256", chunks},
              {"allow_downgrade", o.allow_downgrade},
              {"attempt", o.attempt}};
  if (!o.stage.empty()) j["stage"] = o.stage;  // optional: older offers have none
  return j.dump();
}

std::optional<Offer> decode_offer(std::string_view text, std::string* error) {
  auto offer = parse_json<Offer>(text, error, "offer", [&](const json& j) -> std::optional<Offer> {
    Offer o;
    o.transfer = j.at("transfer").get<std::string>();
    o.name = j.at("name").get<std::string>();
    o.version = j.at("version").get<std::string>();
    o.key_id = j.value("key_id", std::string());
    o.size = j.at("size").get<uint64_t>();
    o.chunk_size = j.at("chunk_size").get<uint32_t>();
    o.allow_downgrade = j.value("allow_downgrade", false);
    o.attempt = j.value("attempt", uint64_t{0});
    o.stage = j.value("stage", std::string());
    auto digest = sha256_from_hex(j.at("sha256").get<std::string>());
    if (!digest) {
      *error = "offer: sha256 is not 64 hex digits";
      return std::nullopt;
    }
    o.sha256 = *digest;
    for (const json& h : j.at("chunk_sha256")) {
      auto d = sha256_from_hex(h.get<std::string>());
      if (!d) {
        *error = "offer: a chunk_sha256 entry is not 64 hex digits";
        return std::nullopt;
      }
      o.chunk_sha256.push_back(*d);
    }
    if (j.at("chunks").get<uint64_t>() != o.chunk_sha256.size()) {
      *error = "offer: chunks does not match the length of chunk_sha256";
      return std::nullopt;
    }
    return o;
  });
  if (!offer) return std::nullopt;
  if (!valid_transfer_id(offer->transfer)) {
    *error = "offer: transfer id must be 1-64 characters of [A-Za-z0-9._-]";
    return std::nullopt;
  }
  if (offer->chunk_size == 0 || offer->chunk_size > kMaxChunkSize) {
    *error = "offer: chunk_size must be 1.." + std::to_string(kMaxChunkSize);
    return std::nullopt;
  }
  if (offer->size == 0 || offer->size > kMaxModuleSize) {
    *error = "offer: size must be 1.." + std::to_string(kMaxModuleSize) + " bytes";
    return std::nullopt;
  }
  uint64_t expected = (offer->size + offer->chunk_size - 1) / offer->chunk_size;
  if (expected != offer->chunk_sha256.size()) {
    *error = "offer: " + std::to_string(offer->chunk_sha256.size()) + " chunk hashes for " +
             std::to_string(expected) + " chunks";
    return std::nullopt;
  }
  return offer;
}

std::string encode_request(const ChunkRequest& r) { return json{{"transfer", r.transfer}, {"chunks", r.chunks}}.dump(); }

std::optional<ChunkRequest> decode_request(std::string_view text, std::string* error) {
  return parse_json<ChunkRequest>(text, error, "request", [](const json& j) -> std::optional<ChunkRequest> {
    ChunkRequest r;
    r.transfer = j.at("transfer").get<std::string>();
    r.chunks = j.at("chunks").get<std::vector<uint32_t>>();
    return r;
  });
}

std::string encode_chunk(const Chunk& c) {
  std::string out;
  out.reserve(2 + c.transfer.size() + 4 + 32 + c.data.size());
  out += static_cast<char>(kChunkFormat);
  out += static_cast<char>(c.transfer.size());
  out += c.transfer;
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((c.index >> shift) & 0xff);
  out.append(as_bytes(c.sha256));
  out += c.data;
  return out;
}

std::optional<Chunk> decode_chunk(std::string_view p, std::string* error) {
  if (p.size() < 2 || static_cast<uint8_t>(p[0]) != kChunkFormat) {
    *error = "chunk: unknown format";
    return std::nullopt;
  }
  size_t id_size = static_cast<uint8_t>(p[1]);
  size_t header = 2 + id_size + 4 + 32;
  if (p.size() < header) {
    *error = "chunk: truncated header";
    return std::nullopt;
  }
  Chunk c;
  c.transfer.assign(p.substr(2, id_size));
  size_t pos = 2 + id_size;
  for (int i = 0; i < 4; ++i) c.index = (c.index << 8) | static_cast<uint8_t>(p[pos++]);
  for (uint8_t& b : c.sha256) b = static_cast<uint8_t>(p[pos++]);
  c.data.assign(p.substr(pos));
  return c;
}

const char* ota_state_name(OtaState state) {
  switch (state) {
    case OtaState::kDownloading: return "downloading";
    case OtaState::kVerifying: return "verifying";
    case OtaState::kInstalling: return "installing";
    case OtaState::kRunning: return "running";
    case OtaState::kFailed: return "failed";
    case OtaState::kRolledBack: return "rolled-back";
  }
  return "?";
}

std::optional<OtaState> parse_ota_state(std::string_view name) {
  for (OtaState s : {OtaState::kDownloading, OtaState::kVerifying, OtaState::kInstalling, OtaState::kRunning,
                     OtaState::kFailed, OtaState::kRolledBack})
    if (name == ota_state_name(s)) return s;
  return std::nullopt;
}

std::string encode_status(const OtaStatus& s) {
  json j{{"transfer", s.transfer},
         {"attempt", s.attempt},
         {"name", s.name},
         {"version", s.version},
         {"state", ota_state_name(s.state)}};
  if (s.state == OtaState::kDownloading) {
    j["received"] = s.received;
    j["chunks"] = s.chunks;
  }
  if (!s.reason.empty()) j["reason"] = s.reason;
  return j.dump();
}

std::optional<OtaStatus> decode_status(std::string_view text, std::string* error) {
  return parse_json<OtaStatus>(text, error, "status", [&](const json& j) -> std::optional<OtaStatus> {
    OtaStatus s;
    s.transfer = j.at("transfer").get<std::string>();
    s.attempt = j.value("attempt", uint64_t{0});
    s.name = j.value("name", std::string());
    s.version = j.value("version", std::string());
    auto state = parse_ota_state(j.at("state").get<std::string>());
    if (!state) {
      *error = "status: unknown state";
      return std::nullopt;
    }
    s.state = *state;
    s.received = j.value("received", 0u);
    s.chunks = j.value("chunks", 0u);
    s.reason = j.value("reason", std::string());
    return s;
  });
}

}  // namespace continuum::ota
