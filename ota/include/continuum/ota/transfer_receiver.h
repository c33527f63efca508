// TransferReceiver: the node's side of an OTA transfer (docs/ota.md).
//
// On an offer it checks what it can before downloading (a signature is
// claimed by a trusted key, the version passes the downgrade guard), opens the
// ChunkStore (chunks from an interrupted attempt count), and requests the
// missing chunks, at most `window` in flight. Each chunk is checked against
// the offer's hash before it is stored; a bad one is requested again. When
// all are there: the whole module's hash, its signature (trust store) and the
// downgrade guard again on the signed version, then the installer. Every
// state change goes to ctm/v1/<node>/ota/status (QoS 1, retained).
//
// Resuming: after a reconnect, or when nothing arrived for `retry_after`,
// the missing chunks are requested again; after a restart the retained offer
// arrives again and the chunks on disk are reused. The outcome of the last
// transfer is kept in <dir>/last.json so a re-delivered offer is not
// installed twice (its outcome is reported again instead).
//
// Threads: handle_message/handle_connection run on the bus's thread; one
// internal thread re-requests stalled transfers. The installer runs on the
// bus's thread without the receiver's lock held.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "continuum/node/message_bus.h"
#include "continuum/ota/chunk_store.h"
#include "continuum/ota/crypto.h"
#include "continuum/ota/semver.h"
#include "continuum/ota/signature.h"
#include "continuum/ota/transfer_protocol.h"

namespace continuum::ota {

struct VerifiedModule {
  std::string transfer;
  std::string bytes;        // the module as signed (with its ctm.signature section)
  SignedManifest manifest;  // name, version, key id: verified
  bool rollback = false;    // installed under allow_downgrade
  std::string stage;        // the offer's stage (empty when it named none)
  uint64_t attempt = 0;     // the offer's attempt
};

// What the installer reports: kRunning, kFailed (reason) or kRolledBack
// (the new module failed and the previous one runs again; reason says why).
// kInstalling: the outcome is not known yet (a hot swap on probation); the
// installer reports it later through TransferReceiver::report_outcome and the
// status stays "installing" until then.
struct InstallResult {
  OtaState state = OtaState::kRunning;
  std::string reason;
};

struct ReceiverOptions {
  std::string node;                                   // the node id (topic level)
  std::filesystem::path dir;                          // partial downloads and last.json
  uint32_t window = 8;                                // chunks requested at a time
  std::chrono::milliseconds retry_after{2000};        // re-request when nothing arrived for this long
  std::function<void(uint32_t index)> on_chunk_stored;  // observability hook (bus thread)
};

class TransferReceiver {
 public:
  using Installer = std::function<InstallResult(const VerifiedModule&)>;
  // The installed version of a module name, empty when none is installed.
  using InstalledVersion = std::function<std::optional<std::string>(const std::string& name)>;

  TransferReceiver(node::MessageBus& bus, const Crypto& crypto, const TrustStore& trust, ReceiverOptions options,
                   Installer installer, InstalledVersion installed_version);
  ~TransferReceiver();
  TransferReceiver(const TransferReceiver&) = delete;
  TransferReceiver& operator=(const TransferReceiver&) = delete;

  // The topics to subscribe to (QoS 1).
  std::vector<std::string> subscriptions() const;
  // For a bus used by nothing else: subscribes and routes the bus's messages
  // and connection changes to this receiver. (The node agent routes them
  // itself through handle_message / handle_connection.)
  node::Status attach();
  void detach();
  // True when the message was an OTA message for this node.
  bool handle_message(const node::Message& message);
  void handle_connection(bool connected);

  // The final outcome of an install whose installer returned kInstalling;
  // ignored unless `transfer` is that install (a newer offer replaced it).
  void report_outcome(const std::string& transfer, InstallResult result);

  // An install the node began in an earlier run and did not finish (it
  // stopped while the new version was on probation): reports STATUS and
  // records it, so the offer, delivered again, is not installed again.
  // SHA256 is the module's (the offer's). Call before the bus connects.
  void report_unfinished(const OtaStatus& status, const Sha256& sha256);

  uint64_t corrupted_chunks() const;
  std::optional<OtaStatus> last_status() const;

 private:
  struct Active;
  void handle_offer(std::string_view payload);
  void handle_chunk(std::string_view payload);
  void request_more(bool resend_all);
  void finish(std::unique_lock<std::mutex>& lock);
  void publish_status(OtaState state, std::string reason = {});
  void fail(std::string reason);
  void record_outcome(const OtaStatus& status, const Sha256& sha256);
  // The recorded outcome when `offer` was handled already.
  std::optional<OtaStatus> already_done(const Offer& offer) const;
  std::optional<Semver> installed_semver(const std::string& name) const;
  void retry_loop();

  node::MessageBus& bus_;
  const Crypto& crypto_;
  const TrustStore& trust_;
  ReceiverOptions options_;
  Installer installer_;
  InstalledVersion installed_version_;

  mutable std::mutex mutex_;
  // The transfer under way, if any. Shared so code that let go of the lock
  // (installer, hook) can tell whether a newer offer replaced it meanwhile.
  std::shared_ptr<Active> active_;
  std::optional<OtaStatus> last_status_;
  uint64_t corrupted_ = 0;
  bool attached_ = false;

  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread retry_thread_;
};

}  // namespace continuum::ota
