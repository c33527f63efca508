// Stage snapshots and version hand-over (docs/snapshot.md, "Stage
// snapshots"; docs/host-abi.md, "State hand-over"). The container wraps the
// engine's instance snapshot (or a native module's saved state) together with
// the stage's KV state and the inputs it had not handled yet, and ends with a
// SHA-256 of its own bytes.
#include <string.h>

#include "continuum/engine/sha256.h"
#include "continuum/host/stage_runtime.h"

namespace continuum::host {
namespace {

constexpr uint8_t kMagic[4] = {'C', 'T', 'M', 'G'};
constexpr uint32_t kVersion = 1;
constexpr uint8_t kKindInstance = 1;     // the engine's instance snapshot
constexpr uint8_t kKindModuleState = 2;  // bytes from ctm_state_save
// A length field larger than this is damage, not data (a snapshot's parts
// are far smaller); checked before anything is allocated for it.
constexpr uint64_t kMaxPartBytes = uint64_t(8) << 30;

// Counts bytes: the first pass over the instance gives the length field.
struct CountingSink final : engine::SnapshotSink {
  uint64_t count = 0;
  bool write(const uint8_t*, size_t size) override {
    count += size;
    return true;
  }
};

// Little-endian fields to a sink, hashed on the way.
class ContainerWriter final : public engine::SnapshotSink {
 public:
  explicit ContainerWriter(engine::SnapshotSink& out) : out_(out) {}
  bool write(const uint8_t* data, size_t size) override {
    digest_.update(data, size);
    return out_.write(data, size);
  }
  bool u8(uint8_t v) { return write(&v, 1); }
  bool u32(uint32_t v) {
    uint8_t b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
    return write(b, 4);
  }
  bool u64(uint64_t v) { return u32(static_cast<uint32_t>(v)) && u32(static_cast<uint32_t>(v >> 32)); }
  bool blob(const void* data, size_t size) {
    return u32(static_cast<uint32_t>(size)) && write(static_cast<const uint8_t*>(data), size);
  }
  bool trailer() {
    uint8_t d[engine::Sha256::kDigestBytes];
    digest_.finish(d);
    return out_.write(d, sizeof d);
  }

 private:
  engine::SnapshotSink& out_;
  engine::Sha256 digest_;
};

// Reads fields from a source, hashed, counting the offset for error texts.
// `limit` bounds what read() hands out (the instance part reads through it).
class ContainerReader final : public engine::SnapshotSource {
 public:
  explicit ContainerReader(engine::SnapshotSource& in) : in_(in) {}
  size_t read(uint8_t* data, size_t size) override {
    if (size > limit_) size = static_cast<size_t>(limit_);
    size_t got = 0;
    while (got < size) {
      size_t r = in_.read(data + got, size - got);
      if (r == 0) break;
      got += r;
    }
    digest_.update(data, got);
    offset_ += got;
    limit_ -= got;
    return got;
  }
  bool bytes(void* out, size_t size) { return read(static_cast<uint8_t*>(out), size) == size; }
  bool u8(uint8_t* v) { return bytes(v, 1); }
  bool u32(uint32_t* v) {
    uint8_t b[4] = {};
    if (!bytes(b, 4)) return false;
    *v = uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24;
    return true;
  }
  bool u64(uint64_t* v) {
    uint32_t lo, hi;
    if (!u32(&lo) || !u32(&hi)) return false;
    *v = uint64_t(hi) << 32 | lo;
    return true;
  }
  // A length-prefixed blob, grown as it arrives (a damaged length runs into
  // the end of the input instead of allocating gigabytes).
  bool blob(std::vector<uint8_t>* out) {
    uint32_t n;
    if (!u32(&n)) return false;
    out->clear();
    while (out->size() < n) {
      size_t step = n - out->size() < 65536 ? n - out->size() : 65536;
      size_t at = out->size();
      out->resize(at + step);
      if (!bytes(out->data() + at, step)) return false;
    }
    return true;
  }
  void set_limit(uint64_t limit) { limit_ = limit; }
  uint64_t limit() const { return limit_; }
  void digest_so_far(uint8_t out[32]) {
    engine::Sha256 copy = digest_;
    copy.finish(out);
  }
  uint64_t offset() const { return offset_; }

 private:
  engine::SnapshotSource& in_;
  engine::Sha256 digest_;
  uint64_t offset_ = 0;
  uint64_t limit_ = ~uint64_t(0);
};

struct VectorSink final : engine::SnapshotSink {
  std::vector<uint8_t>* out;
  explicit VectorSink(std::vector<uint8_t>* o) : out(o) {}
  bool write(const uint8_t* data, size_t size) override {
    out->insert(out->end(), data, data + size);
    return true;
  }
};

struct SpanSource final : engine::SnapshotSource {
  const uint8_t* data;
  size_t size;
  size_t pos = 0;
  SpanSource(const uint8_t* d, size_t n) : data(d), size(n) {}
  size_t read(uint8_t* out, size_t n) override {
    size_t take = n < size - pos ? n : size - pos;
    if (take) memcpy(out, data + pos, take);
    pos += take;
    return take;
  }
};

bool fail(std::string* error, const std::string& what) {
  *error = "stage snapshot: " + what;
  return false;
}
bool fail_at(std::string* error, const ContainerReader& r, const std::string& what) {
  return fail(error, what + " (at byte " + std::to_string(r.offset()) + ")");
}

// Replaces the KV state of `host` with `entries`, within its limits.
bool load_kv(StageHost& host, const std::vector<std::pair<std::string, std::vector<uint8_t>>>& entries,
             std::string* error) {
  host.kv().clear();
  for (const auto& [key, value] : entries) {
    if (host.kv().put(key, value.data(), static_cast<uint32_t>(value.size())) != kOK) {
      *error = "KV entry '" + key + "' does not fit this stage's KV limits";
      return false;
    }
  }
  return true;
}

}  // namespace

bool StageRuntime::snapshot(const std::vector<PendingInput>& pending, engine::SnapshotSink& out,
                            std::string* error, bool module_state_only) {
  std::vector<uint8_t> state;
  uint8_t kind = kKindInstance;
  uint64_t module_bytes = 0;
  CountingSink counter;
  if (module_state_only && !module_->has_state_save()) {
    return fail(error, "the target runs another build of this module, so the state must travel through "
                       "ctm_state_save/ctm_state_load, which this module does not export");
  } else if (!module_state_only && module_->write_instance_snapshot(counter, error)) {
    module_bytes = counter.count;
  } else if (module_->has_state_save()) {
    // A native module: its memory is not ours to copy, but it can save itself.
    CallResult r = finish("ctm_state_save", module_->save_state(&state));
    if (!r.ok()) return fail(error, "ctm_state_save failed: " + (r.detail.empty() ? status_name(r.code) : r.detail));
    kind = kKindModuleState;
    module_bytes = state.size();
  } else {
    return fail(error, *error + "; such a stage needs ctm_state_save/ctm_state_load to move");
  }

  ContainerWriter w(out);
  bool ok = w.write(kMagic, 4) && w.u32(kVersion) && w.u8(kind) &&
            w.u32(static_cast<uint32_t>(host_->kv().entries().size()));
  for (const auto& [key, value] : host_->kv().entries())
    ok = ok && w.blob(key.data(), key.size()) && w.blob(value.data(), value.size());
  ok = ok && w.u32(static_cast<uint32_t>(pending.size()));
  for (const PendingInput& p : pending)
    ok = ok && w.blob(p.port.data(), p.port.size()) && w.blob(p.payload.data(), p.payload.size());
  ok = ok && w.u64(module_bytes);
  if (!ok) return fail(error, "the output refused the bytes");
  if (kind == kKindInstance) {
    if (!module_->write_instance_snapshot(w, error)) return fail(error, *error);
  } else if (!w.write(state.data(), state.size())) {
    return fail(error, "the output refused the bytes");
  }
  if (!w.trailer()) return fail(error, "the output refused the bytes");
  return true;
}

bool StageRuntime::snapshot(const std::vector<PendingInput>& pending, std::vector<uint8_t>* out,
                            std::string* error, bool module_state_only) {
  out->clear();
  VectorSink sink(out);
  return snapshot(pending, sink, error, module_state_only);
}

bool StageRuntime::restore(engine::SnapshotSource& in, std::vector<PendingInput>* pending,
                           std::string* error) {
  ContainerReader r(in);
  uint8_t magic[4], kind;
  uint32_t version, count;
  if (!r.bytes(magic, 4)) return fail_at(error, r, "unexpected end");
  if (memcmp(magic, kMagic, 4) != 0) return fail_at(error, r, "not a stage snapshot (bad magic)");
  if (!r.u32(&version)) return fail_at(error, r, "unexpected end");
  if (version != kVersion)
    return fail_at(error, r, "unsupported container version " + std::to_string(version));
  if (!r.u8(&kind)) return fail_at(error, r, "unexpected end");
  if (kind != kKindInstance && kind != kKindModuleState) return fail_at(error, r, "unknown module part kind");
  if (!r.u32(&count)) return fail_at(error, r, "unexpected end");
  std::vector<std::pair<std::string, std::vector<uint8_t>>> kv;
  for (uint32_t i = 0; i < count; ++i) {
    std::vector<uint8_t> key, value;
    if (!r.blob(&key) || !r.blob(&value)) return fail_at(error, r, "unexpected end in the KV state");
    kv.emplace_back(std::string(key.begin(), key.end()), std::move(value));
  }
  if (!r.u32(&count)) return fail_at(error, r, "unexpected end");
  std::vector<PendingInput> inputs;
  for (uint32_t i = 0; i < count; ++i) {
    std::vector<uint8_t> port;
    PendingInput p;
    if (!r.blob(&port) || !r.blob(&p.payload)) return fail_at(error, r, "unexpected end in the pending inputs");
    p.port.assign(port.begin(), port.end());
    inputs.push_back(std::move(p));
  }
  uint64_t module_bytes;
  if (!r.u64(&module_bytes)) return fail_at(error, r, "unexpected end");
  if (module_bytes > kMaxPartBytes) return fail_at(error, r, "module part length is implausible");

  // The KV state goes in first: a native module's ctm_init may read it.
  if (!load_kv(*host_, kv, error)) return fail(error, *error);
  uint64_t part_start = r.offset();
  if (kind == kKindInstance) {
    r.set_limit(module_bytes);
    if (!module_->restore_instance_snapshot(r, error)) return fail(error, *error);
    if (r.offset() - part_start != module_bytes)
      return fail_at(error, r, "instance snapshot shorter than its length field");
    r.set_limit(~uint64_t(0));
  } else {
    if (!module_->has_state_load())
      return fail(error, "the snapshot holds saved module state, but this module has no ctm_state_load");
    std::vector<uint8_t> state;
    r.set_limit(module_bytes);
    while (state.size() < module_bytes) {
      size_t at = state.size();
      size_t step = module_bytes - at < 65536 ? static_cast<size_t>(module_bytes - at) : 65536;
      state.resize(at + step);
      if (!r.bytes(state.data() + at, step)) return fail_at(error, r, "unexpected end in the module state");
    }
    r.set_limit(~uint64_t(0));
    CallResult ir = init();
    if (!ir.ok()) return fail(error, "ctm_init failed before ctm_state_load");
    CallResult lr = finish("ctm_state_load", module_->load_state(state.data(), static_cast<uint32_t>(state.size())));
    if (!lr.ok()) return fail(error, "ctm_state_load refused the state: " + (lr.detail.empty() ? status_name(lr.code) : lr.detail));
  }
  uint8_t expected[32], stored[32];
  r.digest_so_far(expected);
  if (!r.bytes(stored, 32)) return fail_at(error, r, "unexpected end");
  if (memcmp(expected, stored, 32) != 0) return fail_at(error, r, "digest mismatch: the snapshot is damaged");
  uint8_t extra;
  if (r.read(&extra, 1) != 0) return fail_at(error, r, "bytes after the end of the snapshot");
  *pending = std::move(inputs);
  return true;
}

bool StageRuntime::restore(const uint8_t* data, size_t size, std::vector<PendingInput>* pending,
                           std::string* error) {
  SpanSource source(data, size);
  return restore(source, pending, error);
}

bool StageRuntime::handover_to(StageRuntime& next, HandoverKind* kind, std::string* error) {
  if (&next == this) {
    *error = "hand-over: a stage cannot hand over to itself";
    return false;
  }
  std::vector<std::pair<std::string, std::vector<uint8_t>>> kv(host_->kv().entries().begin(),
                                                               host_->kv().entries().end());
  if (!load_kv(*next.host_, kv, error)) {
    *error = "hand-over: " + *error;
    return false;
  }
  CallResult r = next.init();
  if (!r.ok()) {
    *error = "hand-over: the new version's ctm_init failed";
    return false;
  }
  if (!module_->has_state_save() || !next.module_->has_state_load()) {
    *kind = HandoverKind::KvOnly;
    return true;
  }
  std::vector<uint8_t> state;
  r = finish("ctm_state_save", module_->save_state(&state));
  if (!r.ok()) {
    *error = "hand-over: ctm_state_save failed: " + (r.detail.empty() ? status_name(r.code) : r.detail);
    return false;
  }
  r = next.finish("ctm_state_load", next.module_->load_state(state.data(), static_cast<uint32_t>(state.size())));
  if (!r.ok()) {
    *error = "hand-over: ctm_state_load refused the state: " +
             (r.detail.empty() ? std::string(status_name(r.code)) : r.detail);
    return false;
  }
  *kind = HandoverKind::StateHooks;
  return true;
}

}  // namespace continuum::host
