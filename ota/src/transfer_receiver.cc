#include "continuum/ota/transfer_receiver.h"

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "continuum/node/topics.h"
#include "continuum/ota/semver.h"
#include "continuum/ota/version_guard.h"

namespace continuum::ota {

namespace topics = node::topics;
using Clock = std::chrono::steady_clock;

struct TransferReceiver::Active {
  Offer offer;
  ChunkStore store;
  OtaState state = OtaState::kDownloading;
  std::vector<bool> outstanding;  // requested, not yet arrived
  size_t outstanding_count = 0;
  uint32_t last_reported = 0;
  Clock::time_point last_activity = Clock::now();

  Active(Offer o, const Crypto& crypto, const std::filesystem::path& dir)
      : offer(std::move(o)), store(crypto, dir), outstanding(offer.chunk_count(), false) {}
};

TransferReceiver::TransferReceiver(node::MessageBus& bus, const Crypto& crypto, const TrustStore& trust,
                                   ReceiverOptions options, Installer installer, InstalledVersion installed_version)
    : bus_(bus),
      crypto_(crypto),
      trust_(trust),
      options_(std::move(options)),
      installer_(std::move(installer)),
      installed_version_(std::move(installed_version)) {
  if (options_.window == 0) options_.window = 1;
  retry_thread_ = std::thread([this] { retry_loop(); });
}

TransferReceiver::~TransferReceiver() {
  detach();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  retry_thread_.join();
}

std::vector<std::string> TransferReceiver::subscriptions() const {
  return {topics::ota_offer(options_.node), topics::ota_chunk(options_.node)};
}

node::Status TransferReceiver::attach() {
  bus_.set_message_handler([this](const node::Message& m) { handle_message(m); });
  bus_.set_connection_handler([this](bool connected) { handle_connection(connected); });
  attached_ = true;
  for (const std::string& topic : subscriptions())
    if (node::Status s = bus_.subscribe(topic, 1); !s) return s;
  return node::Status::success();
}

void TransferReceiver::detach() {
  if (!attached_) return;
  bus_.set_message_handler({});
  bus_.set_connection_handler({});
  attached_ = false;
}

bool TransferReceiver::handle_message(const node::Message& message) {
  if (message.topic == topics::ota_offer(options_.node)) {
    handle_offer(message.payload);
    return true;
  }
  if (message.topic == topics::ota_chunk(options_.node)) {
    handle_chunk(message.payload);
    return true;
  }
  return false;
}

void TransferReceiver::handle_connection(bool connected) {
  if (!connected) return;
  // Chunks in flight on the old connection are gone (the node's session is
  // clean): ask again for everything still missing.
  std::lock_guard lock(mutex_);
  request_more(/*resend_all=*/true);
}

uint64_t TransferReceiver::corrupted_chunks() const {
  std::lock_guard lock(mutex_);
  return corrupted_;
}

std::optional<OtaStatus> TransferReceiver::last_status() const {
  std::lock_guard lock(mutex_);
  return last_status_;
}

void TransferReceiver::handle_offer(std::string_view payload) {
  if (payload.empty()) return;  // the cloud cleared its retained offer
  std::string error;
  auto offer = decode_offer(payload, &error);
  std::unique_lock lock(mutex_);
  if (!offer) {
    // Without a valid offer there is no transfer id to report against.
    OtaStatus s;
    s.state = OtaState::kFailed;
    s.reason = error;
    bus_.publish(topics::ota_status(options_.node), encode_status(s), 1, true, nullptr);
    last_status_ = s;
    return;
  }
  if (active_ && active_->state == OtaState::kDownloading && active_->offer.transfer == offer->transfer &&
      active_->offer.sha256 == offer->sha256 && active_->offer.chunk_size == offer->chunk_size) {
    // The retained offer again, after a reconnect: handle_connection already
    // asked for the missing chunks; only fill the window.
    active_->offer.attempt = offer->attempt;
    request_more(/*resend_all=*/false);
    return;
  }
  if (std::optional<OtaStatus> done = already_done(*offer)) {
    // Finished before (this run or an earlier one): say so again, in case
    // the sender missed it, instead of installing it twice.
    bus_.publish(topics::ota_status(options_.node), encode_status(*done), 1, true, nullptr);
    last_status_ = *done;
    return;
  }
  active_ = std::make_shared<Active>(std::move(*offer), crypto_, options_.dir);
  const Offer& o = active_->offer;

  // Refuse early what would be refused after the download anyway.
  if (o.key_id.empty()) return fail("no signature: the offered module is not signed");
  if (!trust_.find(o.key_id)) return fail("unknown key: " + o.key_id + " is not in the node's trust store");
  auto candidate = parse_semver(o.version, &error);
  if (!candidate) return fail("malformed section: " + error);
  if (auto guard = VersionGuard::check(o.name, *candidate, installed_semver(o.name), o.allow_downgrade);
      !guard.allowed)
    return fail(guard.reason);

  if (!active_->store.open(o, &error)) return fail(error);
  publish_status(OtaState::kDownloading);
  active_->last_reported = active_->store.count();
  if (active_->store.complete()) return finish(lock);
  request_more(/*resend_all=*/false);
}

void TransferReceiver::handle_chunk(std::string_view payload) {
  std::string error;
  auto chunk = decode_chunk(payload, &error);
  if (!chunk) return;
  std::unique_lock lock(mutex_);
  if (!active_ || active_->state != OtaState::kDownloading || chunk->transfer != active_->offer.transfer) return;
  std::shared_ptr<Active> keep = active_;
  Active& a = *keep;
  if (chunk->index >= a.offer.chunk_count()) return;
  a.last_activity = Clock::now();
  if (a.outstanding[chunk->index]) {
    a.outstanding[chunk->index] = false;
    --a.outstanding_count;
  }
  if (a.store.has(chunk->index)) return;  // a duplicate (QoS 1 may redeliver)
  const Sha256& expected = a.offer.chunk_sha256[chunk->index];
  if (chunk->sha256 != expected || crypto_.sha256(chunk->data) != expected) {
    // Damaged on the way (or forged): drop it and ask for it again at once.
    ++corrupted_;
    a.outstanding[chunk->index] = true;
    ++a.outstanding_count;
    bus_.publish(topics::ota_request(options_.node), encode_request({a.offer.transfer, {chunk->index}}), 1, false,
                 nullptr);
    return;
  }
  if (!a.store.put(chunk->index, chunk->data, &error)) return fail(error);
  uint32_t step = std::max<uint32_t>(1, a.offer.chunk_count() / 10);
  if (a.store.count() >= a.last_reported + step && !a.store.complete()) {
    a.last_reported = a.store.count();
    publish_status(OtaState::kDownloading);
  }
  if (options_.on_chunk_stored) {
    uint32_t index = chunk->index;
    lock.unlock();
    options_.on_chunk_stored(index);
    lock.lock();
    if (active_ != keep || a.state != OtaState::kDownloading) return;
  }
  if (a.store.complete()) return finish(lock);
  if (a.outstanding_count <= options_.window / 2) request_more(/*resend_all=*/false);
}

// Called with mutex_ held.
void TransferReceiver::request_more(bool resend_all) {
  if (!active_ || active_->state != OtaState::kDownloading) return;
  Active& a = *active_;
  if (resend_all) {
    a.outstanding.assign(a.outstanding.size(), false);
    a.outstanding_count = 0;
  }
  size_t room = options_.window > a.outstanding_count ? options_.window - a.outstanding_count : 0;
  std::vector<uint32_t> wanted = a.store.missing(room, a.outstanding);
  if (wanted.empty()) return;
  for (uint32_t i : wanted) a.outstanding[i] = true;
  a.outstanding_count += wanted.size();
  a.last_activity = Clock::now();
  bus_.publish(topics::ota_request(options_.node), encode_request({a.offer.transfer, std::move(wanted)}), 1, false,
               nullptr);
}

// Called with mutex_ held (through `lock`); every chunk is on disk.
void TransferReceiver::finish(std::unique_lock<std::mutex>& lock) {
  std::shared_ptr<Active> keep = active_;
  Active& a = *keep;
  publish_status(OtaState::kVerifying);
  std::string error;
  auto module = a.store.assemble(&error);
  if (!module) return fail(error);
  if (crypto_.sha256(*module) != a.offer.sha256) {
    a.store.discard();
    return fail("hash mismatch: the assembled module does not match the offer's SHA-256");
  }
  VerifyOutcome verdict = verify_module(*module, trust_, crypto_);
  if (!verdict.ok()) {
    a.store.discard();
    return fail(std::string(verify_status_name(verdict.status)) + ": " + verdict.detail);
  }
  if (verdict.manifest.name != a.offer.name || verdict.manifest.version != a.offer.version) {
    a.store.discard();
    return fail("the offer announced " + a.offer.name + " " + a.offer.version + " but the module is signed as " +
                verdict.manifest.name + " " + verdict.manifest.version);
  }
  // The guard again, on the signed version and the installed one as of now.
  auto guard = VersionGuard::check(verdict.manifest.name, *parse_semver(verdict.manifest.version),
                                   installed_semver(verdict.manifest.name), a.offer.allow_downgrade);
  if (!guard.allowed) {
    a.store.discard();
    return fail(guard.reason);
  }
  publish_status(OtaState::kInstalling);
  VerifiedModule verified{a.offer.transfer, std::move(*module), verdict.manifest, a.offer.allow_downgrade,
                          a.offer.stage, a.offer.attempt};
  lock.unlock();
  InstallResult result = installer_ ? installer_(verified) : InstallResult{OtaState::kFailed, "no installer"};
  lock.lock();
  if (active_ != keep) return;  // replaced by a newer offer meanwhile
  a.store.discard();
  if (result.state == OtaState::kInstalling) return;  // report_outcome follows
  if (!is_terminal(result.state)) result = {OtaState::kFailed, "installer reported a non-final state"};
  publish_status(result.state, result.reason);
}

void TransferReceiver::report_outcome(const std::string& transfer, InstallResult result) {
  std::lock_guard lock(mutex_);
  if (!active_ || active_->offer.transfer != transfer || active_->state != OtaState::kInstalling) return;
  if (!is_terminal(result.state)) result = {OtaState::kFailed, "installer reported a non-final state"};
  publish_status(result.state, std::move(result.reason));
}

// Called with mutex_ held.
void TransferReceiver::publish_status(OtaState state, std::string reason) {
  Active& a = *active_;
  a.state = state;
  OtaStatus s;
  s.transfer = a.offer.transfer;
  s.attempt = a.offer.attempt;
  s.name = a.offer.name;
  s.version = a.offer.version;
  s.state = state;
  s.received = a.store.count();
  s.chunks = a.offer.chunk_count();
  s.reason = std::move(reason);
  bus_.publish(topics::ota_status(options_.node), encode_status(s), 1, true, nullptr);
  last_status_ = s;
  if (is_terminal(state)) record_outcome(s, a.offer.sha256);
}

std::optional<Semver> TransferReceiver::installed_semver(const std::string& name) const {
  if (!installed_version_) return std::nullopt;
  auto version = installed_version_(name);
  // An installed version that is not semver cannot be ordered: treat it as
  // absent rather than blocking every update of that module.
  return version ? parse_semver(*version) : std::nullopt;
}

void TransferReceiver::fail(std::string reason) { publish_status(OtaState::kFailed, std::move(reason)); }

void TransferReceiver::report_unfinished(const OtaStatus& status, const Sha256& sha256) {
  std::lock_guard lock(mutex_);
  bus_.publish(topics::ota_status(options_.node), encode_status(status), 1, true, nullptr);
  last_status_ = status;
  record_outcome(status, sha256);
}

void TransferReceiver::record_outcome(const OtaStatus& s, const Sha256& sha256) {
  std::error_code ec;
  std::filesystem::create_directories(options_.dir, ec);
  nlohmann::json j{{"transfer", s.transfer},
                   {"attempt", s.attempt},
                   {"sha256", to_hex(sha256)},
                   {"state", ota_state_name(s.state)},
                   {"name", s.name},
                   {"version", s.version},
                   {"reason", s.reason}};
  std::ofstream(options_.dir / "last.json", std::ios::trunc) << j.dump() << "\n";
}

std::optional<OtaStatus> TransferReceiver::already_done(const Offer& offer) const {
  std::ifstream in(options_.dir / "last.json");
  if (!in) return std::nullopt;
  auto j = nlohmann::json::parse(std::string(std::istreambuf_iterator<char>(in), {}), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  if (j.value("transfer", "") != offer.transfer || j.value("attempt", uint64_t{0}) != offer.attempt ||
      j.value("sha256", "") != to_hex(offer.sha256))
    return std::nullopt;
  OtaStatus s;
  s.transfer = offer.transfer;
  s.attempt = offer.attempt;
  s.name = j.value("name", offer.name);
  s.version = j.value("version", offer.version);
  s.state = parse_ota_state(j.value("state", "")).value_or(OtaState::kFailed);
  s.reason = j.value("reason", "");
  return s;
}

void TransferReceiver::retry_loop() {
  std::unique_lock lock(mutex_);
  auto tick = std::max<std::chrono::milliseconds>(std::chrono::milliseconds(10), options_.retry_after / 4);
  while (!stop_cv_.wait_for(lock, tick, [this] { return stopping_; })) {
    if (active_ && active_->state == OtaState::kDownloading &&
        Clock::now() - active_->last_activity >= options_.retry_after)
      request_more(/*resend_all=*/true);
  }
}

}  // namespace continuum::ota
