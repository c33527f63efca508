#include "continuum/ota/chunk_store.h"

#include <cstdio>
#include <fstream>
#include <iterator>

namespace continuum::ota {

namespace fs = std::filesystem;

namespace {

std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

bool ChunkStore::open(const Offer& offer, std::string* error) {
  dir_ = root_ / "partial" / (to_hex(offer.sha256) + "-" + std::to_string(offer.chunk_size));
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) {
    *error = "cannot create " + dir_.string() + ": " + ec.message();
    return false;
  }
  present_.assign(offer.chunk_count(), false);
  count_ = 0;
  for (uint32_t i = 0; i < offer.chunk_count(); ++i) {
    auto data = read_file(chunk_path(i));
    if (!data) continue;
    uint64_t expected_size = i + 1 < offer.chunk_count() ? offer.chunk_size : offer.size - uint64_t{i} * offer.chunk_size;
    if (data->size() == expected_size && crypto_.sha256(*data) == offer.chunk_sha256[i]) {
      present_[i] = true;
      ++count_;
    } else {
      fs::remove(chunk_path(i), ec);  // damaged on disk: fetch it again
    }
  }
  return true;
}

std::vector<uint32_t> ChunkStore::missing(size_t limit, const std::vector<bool>& skip) const {
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < present_.size() && out.size() < limit; ++i)
    if (!present_[i] && !(i < skip.size() && skip[i])) out.push_back(i);
  return out;
}

bool ChunkStore::put(uint32_t index, std::string_view data, std::string* error) {
  if (index >= present_.size()) return false;
  if (present_[index]) return true;
  fs::path final_path = chunk_path(index);
  fs::path temp_path = final_path;
  temp_path += ".tmp";
  {
    std::ofstream out(temp_path, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out.flush()) {
      *error = "cannot write " + temp_path.string();
      return false;
    }
  }
  std::error_code ec;
  fs::rename(temp_path, final_path, ec);
  if (ec) {
    *error = "cannot rename " + temp_path.string() + ": " + ec.message();
    return false;
  }
  present_[index] = true;
  ++count_;
  return true;
}

std::optional<std::string> ChunkStore::assemble(std::string* error) const {
  std::string module;
  for (uint32_t i = 0; i < present_.size(); ++i) {
    auto data = read_file(chunk_path(i));
    if (!data) {
      *error = "chunk " + std::to_string(i) + " vanished from " + dir_.string();
      return std::nullopt;
    }
    module += *data;
  }
  return module;
}

void ChunkStore::discard() {
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
  present_.clear();
  count_ = 0;
}

fs::path ChunkStore::chunk_path(uint32_t index) const {
  char name[32];
  std::snprintf(name, sizeof name, "%08u.chunk", index);
  return dir_ / name;
}

}  // namespace continuum::ota
