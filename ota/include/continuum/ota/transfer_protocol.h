// The OTA transfer protocol's messages (docs/ota.md, topics in
// docs/protocol.md). The node pulls: the cloud publishes an offer (retained),
// the node requests the chunks it lacks, the cloud answers each request with
// chunk messages, and the node reports its state.
//
//   offer   ctm/v1/<node>/ota/offer    cloud -> node  JSON, QoS 1, retained
//   request ctm/v1/<node>/ota/request  node -> cloud  JSON, QoS 1
//   chunk   ctm/v1/<node>/ota/chunk    cloud -> node  binary, QoS 1
//   status  ctm/v1/<node>/ota/status   node -> cloud  JSON, QoS 1, retained
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "continuum/ota/bytes.h"

namespace continuum::ota {

// 4 KiB: a Cortex-M4 class device with 64-256 KiB of RAM can hold a chunk
// plus its MQTT framing in one buffer and write it to a flash page (flash
// erase blocks are 2-8 KiB); larger chunks buy little on a LAN because the
// receiver keeps a window of requests in flight.
inline constexpr uint32_t kDefaultChunkSize = 4096;
inline constexpr uint32_t kMaxChunkSize = 256 * 1024;  // MQTT brokers' common message limits stay far away
inline constexpr uint64_t kMaxModuleSize = 64ull * 1024 * 1024;

struct Offer {
  std::string transfer;       // id: [A-Za-z0-9._-], at most 64 characters
  std::string name, version;  // as the module's signature claims (checked again after download)
  std::string key_id;         // empty for an unsigned module (refused by the node)
  Sha256 sha256{};            // of the whole module as transferred
  uint64_t size = 0;
  uint32_t chunk_size = kDefaultChunkSize;
  std::vector<Sha256> chunk_sha256;  // one per chunk
  bool allow_downgrade = false;      // an explicit rollback
  // The stage of the node the module is for (a node agent installs it there
  // by hot swap); empty: the node decides (an agent refuses such an offer).
  std::string stage;
  // Distinguishes a deliberate re-offer of the same transfer (new attempt)
  // from the retained offer delivered again after a reconnect (same attempt).
  uint64_t attempt = 0;

  uint32_t chunk_count() const { return static_cast<uint32_t>(chunk_sha256.size()); }
};
std::string encode_offer(const Offer& offer);
// Checks consistency (chunk count from size and chunk size, limits, id).
std::optional<Offer> decode_offer(std::string_view json, std::string* error);

struct ChunkRequest {
  std::string transfer;
  std::vector<uint32_t> chunks;
};
std::string encode_request(const ChunkRequest& request);
std::optional<ChunkRequest> decode_request(std::string_view json, std::string* error);

// Binary: u8 format (1) | u8 id length | id | u32 index (big endian) |
// 32-byte SHA-256 of the data | data.
struct Chunk {
  std::string transfer;
  uint32_t index = 0;
  Sha256 sha256{};
  std::string data;
};
std::string encode_chunk(const Chunk& chunk);
std::optional<Chunk> decode_chunk(std::string_view payload, std::string* error);

// The states other OTA systems report, in the order a good update passes them.
enum class OtaState { kDownloading, kVerifying, kInstalling, kRunning, kFailed, kRolledBack };
const char* ota_state_name(OtaState state);  // "downloading", ..., "rolled-back"
std::optional<OtaState> parse_ota_state(std::string_view name);
inline bool is_terminal(OtaState s) {
  return s == OtaState::kRunning || s == OtaState::kFailed || s == OtaState::kRolledBack;
}

struct OtaStatus {
  std::string transfer, name, version;
  uint64_t attempt = 0;  // of the offer this status answers
  OtaState state = OtaState::kDownloading;
  uint32_t received = 0, chunks = 0;  // progress while downloading
  std::string reason;                 // failed / rolled-back: why
};
std::string encode_status(const OtaStatus& status);
std::optional<OtaStatus> decode_status(std::string_view json, std::string* error);

bool valid_transfer_id(std::string_view id);

}  // namespace continuum::ota
