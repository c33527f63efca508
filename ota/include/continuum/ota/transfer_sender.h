// TransferSender: the cloud's side of an OTA transfer (docs/ota.md). It
// publishes a retained offer per node, answers every node's chunk requests
// from the modules it offered, follows the nodes' status reports and clears
// an offer (empty retained message) once its node reported a final state.
//
// The sender trusts nothing it hears: a request names a transfer it offered
// and chunk indices within range, or it is ignored. It does not verify
// signatures (the node does); it only reads the signature section for the
// name, version and key id the offer announces.
//
// Threads: handle_message runs on the bus's thread; offer() and the waits on
// any other.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "continuum/node/message_bus.h"
#include "continuum/ota/crypto.h"
#include "continuum/ota/transfer_protocol.h"

namespace continuum::ota {

struct OfferOptions {
  uint32_t chunk_size = kDefaultChunkSize;
  bool allow_downgrade = false;  // an explicit rollback
  std::string transfer;          // empty: <first 16 hex of sha256>-<chunk size>
  std::string stage;             // the node's stage the module is for (Offer::stage)
};

class TransferSender {
 public:
  using StatusHandler = std::function<void(const std::string& node, const OtaStatus& status)>;

  TransferSender(node::MessageBus& bus, const Crypto& crypto);
  ~TransferSender();
  TransferSender(const TransferSender&) = delete;
  TransferSender& operator=(const TransferSender&) = delete;

  std::vector<std::string> subscriptions() const;  // every node's requests and status
  node::Status attach();  // for a bus used by nothing else (see TransferReceiver::attach)
  void detach();
  bool handle_message(const node::Message& message);

  // Offers `module` to `node`. Fails (error) on a bad chunk size, an empty or
  // oversized module, a malformed module, or when publishing fails.
  std::optional<Offer> offer(const std::string& node, std::string module, const OfferOptions& options,
                             std::string* error);
  // Called for every status report (bus thread).
  void set_status_handler(StatusHandler handler);
  // Waits until `node` reports a final state for `offer` (same transfer and
  // attempt); empty on timeout.
  std::optional<OtaStatus> wait_for_outcome(const std::string& node, const Offer& offer,
                                            std::chrono::milliseconds timeout);

  // The last status NODE reported (any transfer), if any.
  std::optional<OtaStatus> last_status(const std::string& node) const;

  uint64_t chunks_sent() const;
  // How often chunk `index` of `transfer` went to `node`.
  uint32_t times_sent(const std::string& node, const std::string& transfer, uint32_t index) const;

 private:
  struct Transfer {
    Offer offer;
    std::shared_ptr<const std::string> module;
  };
  void handle_request(const std::string& node, std::string_view payload);
  void handle_status(const std::string& node, std::string_view payload);

  node::MessageBus& bus_;
  const Crypto& crypto_;
  mutable std::mutex mutex_;
  std::condition_variable status_cv_;
  std::map<std::string, Transfer> transfers_;  // by transfer id
  std::map<std::string, Offer> offered_;       // current offer per node
  std::map<std::string, OtaStatus> last_status_;
  std::map<std::string, uint32_t> sent_counts_;  // "node/transfer/index"
  uint64_t chunks_sent_ = 0;
  StatusHandler status_handler_;
  bool attached_ = false;
};

}  // namespace continuum::ota
