#include "continuum/ota/transfer_sender.h"

#include <chrono>

#include "continuum/node/topics.h"
#include "continuum/ota/signature.h"

namespace continuum::ota {

namespace topics = node::topics;

namespace {

std::string count_key(const std::string& node, const std::string& transfer, uint32_t index) {
  return node + "/" + transfer + "/" + std::to_string(index);
}

uint64_t now_ms() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

}  // namespace

TransferSender::TransferSender(node::MessageBus& bus, const Crypto& crypto) : bus_(bus), crypto_(crypto) {}

TransferSender::~TransferSender() { detach(); }

std::vector<std::string> TransferSender::subscriptions() const {
  return {topics::ota_all_requests(), topics::ota_all_status()};
}

node::Status TransferSender::attach() {
  bus_.set_message_handler([this](const node::Message& m) { handle_message(m); });
  attached_ = true;
  for (const std::string& topic : subscriptions())
    if (node::Status s = bus_.subscribe(topic, 1); !s) return s;
  return node::Status::success();
}

void TransferSender::detach() {
  if (!attached_) return;
  bus_.set_message_handler({});
  attached_ = false;
}

bool TransferSender::handle_message(const node::Message& message) {
  if (std::string node = topics::ota_node_of(message.topic, "request"); !node.empty()) {
    handle_request(node, message.payload);
    return true;
  }
  if (std::string node = topics::ota_node_of(message.topic, "status"); !node.empty()) {
    handle_status(node, message.payload);
    return true;
  }
  return false;
}

std::optional<Offer> TransferSender::offer(const std::string& node, std::string module, const OfferOptions& options,
                                           std::string* error) {
  if (options.chunk_size == 0 || options.chunk_size > kMaxChunkSize) {
    *error = "chunk size must be 1.." + std::to_string(kMaxChunkSize) + " bytes";
    return std::nullopt;
  }
  if (module.empty() || module.size() > kMaxModuleSize) {
    *error = "module must be 1.." + std::to_string(kMaxModuleSize) + " bytes";
    return std::nullopt;
  }
  auto parts = split_signature(module, error);
  if (!parts) return std::nullopt;
  Offer o;
  o.sha256 = crypto_.sha256(module);
  o.transfer = options.transfer.empty() ? to_hex(o.sha256).substr(0, 16) + "-" + std::to_string(options.chunk_size)
                                        : options.transfer;
  if (!valid_transfer_id(o.transfer)) {
    *error = "transfer id must be 1-64 characters of [A-Za-z0-9._-]";
    return std::nullopt;
  }
  if (parts->signature) {
    o.name = parts->signature->manifest.name;
    o.version = parts->signature->manifest.version;
    o.key_id = parts->signature->manifest.key_id;
  }
  o.size = module.size();
  o.chunk_size = options.chunk_size;
  o.allow_downgrade = options.allow_downgrade;
  o.stage = options.stage;
  for (size_t at = 0; at < module.size(); at += o.chunk_size)
    o.chunk_sha256.push_back(crypto_.sha256(std::string_view(module).substr(at, o.chunk_size)));

  std::lock_guard lock(mutex_);
  o.attempt = std::max(now_ms(), offered_.count(node) ? offered_[node].attempt + 1 : 0);
  transfers_[o.transfer] = {o, std::make_shared<const std::string>(std::move(module))};
  offered_[node] = o;
  if (node::Status s = bus_.publish(topics::ota_offer(node), encode_offer(o), 1, true, nullptr); !s) {
    *error = s.message;
    return std::nullopt;
  }
  return o;
}

void TransferSender::handle_request(const std::string& node, std::string_view payload) {
  std::string error;
  auto request = decode_request(payload, &error);
  if (!request) return;
  std::lock_guard lock(mutex_);
  auto it = transfers_.find(request->transfer);
  if (it == transfers_.end()) return;
  const Transfer& t = it->second;
  for (uint32_t index : request->chunks) {
    if (index >= t.offer.chunk_count()) continue;
    Chunk c;
    c.transfer = t.offer.transfer;
    c.index = index;
    c.sha256 = t.offer.chunk_sha256[index];
    c.data = std::string_view(*t.module).substr(uint64_t{index} * t.offer.chunk_size, t.offer.chunk_size);
    if (bus_.publish(topics::ota_chunk(node), encode_chunk(c), 1, false, nullptr)) {
      ++chunks_sent_;
      ++sent_counts_[count_key(node, t.offer.transfer, index)];
    }
  }
}

void TransferSender::handle_status(const std::string& node, std::string_view payload) {
  if (payload.empty()) return;
  std::string error;
  auto status = decode_status(payload, &error);
  if (!status) return;
  StatusHandler handler;
  {
    std::lock_guard lock(mutex_);
    last_status_[node] = *status;
    auto offered = offered_.find(node);
    if (is_terminal(status->state) && offered != offered_.end() && offered->second.transfer == status->transfer &&
        offered->second.attempt == status->attempt) {
      // Done with this offer: a node that restarts later must not see it again.
      bus_.publish(topics::ota_offer(node), "", 1, true, nullptr);
    }
    handler = status_handler_;
  }
  // The handler first: whoever wakes from wait_for_outcome sees its effects.
  if (handler) handler(node, *status);
  status_cv_.notify_all();
}

void TransferSender::set_status_handler(StatusHandler handler) {
  std::lock_guard lock(mutex_);
  status_handler_ = std::move(handler);
}

std::optional<OtaStatus> TransferSender::wait_for_outcome(const std::string& node, const Offer& offer,
                                                          std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  std::optional<OtaStatus> outcome;
  status_cv_.wait_for(lock, timeout, [&] {
    auto it = last_status_.find(node);
    if (it == last_status_.end()) return false;
    const OtaStatus& s = it->second;
    if (s.transfer == offer.transfer && s.attempt == offer.attempt && is_terminal(s.state)) outcome = s;
    return outcome.has_value();
  });
  return outcome;
}

std::optional<OtaStatus> TransferSender::last_status(const std::string& node) const {
  std::lock_guard lock(mutex_);
  auto it = last_status_.find(node);
  if (it == last_status_.end()) return std::nullopt;
  return it->second;
}

uint64_t TransferSender::chunks_sent() const {
  std::lock_guard lock(mutex_);
  return chunks_sent_;
}

uint32_t TransferSender::times_sent(const std::string& node, const std::string& transfer, uint32_t index) const {
  std::lock_guard lock(mutex_);
  auto it = sent_counts_.find(count_key(node, transfer, index));
  return it == sent_counts_.end() ? 0 : it->second;
}

}  // namespace continuum::ota
