// ChunkStore: the chunks of one download, kept on disk so a transfer resumes
// after a disconnect or a restart of the node. One directory per module hash
// and chunk size (<dir>/partial/<sha256>-<chunk size>/), one file per chunk,
// written to a temporary name and renamed so a crash never leaves a torn chunk
// under a real name. Chunks found on disk are checked against the offer's
// hashes again before they count.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "continuum/ota/crypto.h"
#include "continuum/ota/transfer_protocol.h"

namespace continuum::ota {

class ChunkStore {
 public:
  ChunkStore(const Crypto& crypto, std::filesystem::path root) : crypto_(crypto), root_(std::move(root)) {}

  // Opens (creating) the directory for `offer` and loads which chunks are
  // already there and intact; damaged ones are deleted. False + error on I/O
  // failure.
  bool open(const Offer& offer, std::string* error);
  bool has(uint32_t index) const { return index < present_.size() && present_[index]; }
  uint32_t count() const { return count_; }
  bool complete() const { return count_ == present_.size(); }
  // Up to `limit` missing indices, skipping those in `skip` (already requested).
  std::vector<uint32_t> missing(size_t limit, const std::vector<bool>& skip) const;
  // Stores chunk `index`; the caller has checked its hash.
  bool put(uint32_t index, std::string_view data, std::string* error);
  // All chunks in order (call when complete()).
  std::optional<std::string> assemble(std::string* error) const;
  // Removes this download's directory (after install or refusal).
  void discard();

 private:
  std::filesystem::path chunk_path(uint32_t index) const;

  const Crypto& crypto_;
  std::filesystem::path root_, dir_;
  std::vector<bool> present_;
  uint32_t count_ = 0;
};

}  // namespace continuum::ota
