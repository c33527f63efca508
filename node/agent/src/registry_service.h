// The node's [registry] section at work (docs/ota.md "Registry service"): the
// module registry in <registry.dir> (adapters/sqlite SqliteModuleRegistry),
// the trust store uploads must verify against, and the OTA TransferSender on
// this node's bus that serves registered modules to any node. Kept out of
// agent.cc: the agent only subscribes, forwards OTA requests/status here and
// hands http_sources() to the HTTP API.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "continuum/adapters/ed25519_keys.h"
#include "continuum/adapters/http_api.h"
#include "continuum/adapters/openssl_crypto.h"
#include "continuum/adapters/sqlite_module_registry.h"
#include "continuum/node/agent/config.h"
#include "continuum/node/message_bus.h"
#include "continuum/ota/registry_intake.h"
#include "continuum/ota/rollout.h"
#include "continuum/ota/signature.h"
#include "continuum/ota/transfer_sender.h"

namespace continuum::node::agent {

class RegistryService {
 public:
  // Opens (creating) the registry directory and loads the trust store;
  // nullptr and *error (prefixed with the config file) when either fails.
  static std::unique_ptr<RegistryService> open(const NodeConfig& config, MessageBus& bus, std::string* error);

  // ctm/v1/+/ota/request and ctm/v1/+/ota/status (QoS 1), and the replies
  // to the stage.rollback commands it sends (ctm/v1/<this node>/reply/rollout).
  std::vector<std::string> subscriptions() const;
  // True when the message was an OTA request or status, or a reply to a
  // rollback command (handled here).
  bool handle_message(const Message& message);

  // Verifies against the trust store, applies the downgrade rule, adds.
  ota::IntakeOutcome admit(std::string_view module, bool allow_downgrade);
  // Publishes the retained offer of registered module `sha256` to `node`;
  // the sender then answers the node's chunk requests. A new offer to the
  // same node replaces the previous one.
  std::optional<ota::Offer> offer(const std::string& node, const std::string& sha256, bool allow_downgrade,
                                  std::string* error);
  // A deploy (docs/ota.md, "Deploy and rollback across nodes"): offers
  // registered module SHA256 for STAGE to each of NODES (the HTTP API picked
  // them: the nodes running the stage) and follows their progress. nullopt
  // and *error when the module is not registered or an offer fails.
  std::optional<ota::Rollout> deploy(const std::string& stage, const std::string& sha256,
                                     const std::vector<std::string>& nodes, bool allow_downgrade, std::string* error);
  // A rollback: sends each of NODES the command stage.rollback for STAGE and
  // follows its progress (its status transfer "stage.update:<stage>").
  std::optional<ota::Rollout> rollback(const std::string& stage, const std::vector<std::string>& nodes,
                                       std::string* error);
  ota::RolloutTracker& rollouts() { return rollouts_; }
  // Where rollout progress goes besides the tracker (the HTTP API's event
  // stream); set once the API runs.
  void set_rollout_listener(ota::RolloutTracker::Listener listener) { rollouts_.set_listener(std::move(listener)); }

  // Signs an unsigned module with the deployment key ([registry]
  // signing_key) and admits it (POST /api/modules/sign).
  adapters::SignOutcome sign_and_admit(std::string_view module, const adapters::SignRequest& request);
  // For HttpApiSources::registry (/api/modules endpoints).
  adapters::RegistrySources http_sources();

  ota::ModuleRegistry& modules() { return registry_; }
  ota::TransferSender& sender() { return *sender_; }

 private:
  RegistryService(MessageBus& bus, std::string node_id)
      : registry_(crypto_), bus_(bus), node_id_(std::move(node_id)) {}
  void handle_rollback_reply(const Message& message);

  // Loads the deployment key, generating it (and its .pub) when the
  // default file is missing; trusts it and copies its .pub into a trust
  // directory so nodes sharing that store accept what it signs.
  bool open_signing_key(const NodeConfig& config, std::string* error);

  adapters::OpenSslCrypto crypto_;
  ota::TrustStore trust_;
  std::unique_ptr<adapters::Ed25519Signer> signer_;
  adapters::SqliteModuleRegistry registry_;
  std::unique_ptr<ota::TransferSender> sender_;
  MessageBus& bus_;
  std::string node_id_;
  ota::RolloutTracker rollouts_;
};

}  // namespace continuum::node::agent
