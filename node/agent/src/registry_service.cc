#include "registry_service.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "continuum/adapters/ed25519_keys.h"
#include "continuum/node/topics.h"
#include "continuum/ota/sign_request.h"
#include "continuum/node/wall_clock.h"

namespace continuum::node::agent {

std::unique_ptr<RegistryService> RegistryService::open(const NodeConfig& config, MessageBus& bus,
                                                       std::string* error) {
  std::unique_ptr<RegistryService> service(new RegistryService(bus, config.id));
  if (Status s = service->registry_.open(config.registry.dir); !s) {
    *error = config.source + ": registry.dir: cannot open " + config.registry.dir + ": " + s.message;
    return nullptr;
  }
  // The deployment key first: it copies its .pub into a trust directory, so
  // a registry can start with an empty one shared with its nodes.
  if (!service->open_signing_key(config, error)) return nullptr;
  if (Status s = adapters::load_trust_store(config.registry.trust, service->crypto_, service->trust_); !s) {
    *error = config.source + ": registry.trust: " + s.message;
    return nullptr;
  }
  service->sender_ = std::make_unique<ota::TransferSender>(bus, service->crypto_);
  RegistryService* self = service.get();
  service->sender_->set_status_handler(
      [self](const std::string& node, const ota::OtaStatus& status) { self->rollouts_.on_status(node, status); });
  std::fprintf(stderr, "registry: %zu module(s) in %s\n", service->registry_.list().size(),
               config.registry.dir.c_str());
  std::fflush(stderr);
  return service;
}

bool RegistryService::open_signing_key(const NodeConfig& config, std::string* error) {
  namespace fs = std::filesystem;
  const std::string& path = config.registry.signing_key;
  if (path.empty()) return true;
  std::error_code ec;
  const bool is_default = path == (fs::path(config.registry.dir) / "deploy.key").string();
  if (!fs::exists(path, ec)) {
    // Only the default key is made here: a configured one that is missing
    // is a mistake to report, not to paper over with a new key.
    if (!is_default) {
      *error = config.source + ": registry.signing_key: no such file " + path + " (make one with continuum keygen)";
      return false;
    }
    std::string key_id;
    if (Status s = adapters::generate_ed25519_key_pair(path, crypto_, &key_id); !s) {
      *error = config.source + ": registry: cannot create the deployment key: " + s.message;
      return false;
    }
  }
  signer_ = adapters::Ed25519Signer::load(path, crypto_, error);
  if (!signer_) {
    *error = config.source + ": registry.signing_key: " + *error;
    return false;
  }
  trust_.add(crypto_, signer_->raw_public_key(), "deployment key " + path);
  // A trust directory shared with the nodes (continuum up) learns the key too.
  if (fs::is_directory(config.registry.trust, ec) && fs::exists(path + ".pub", ec)) {
    const fs::path copy = fs::path(config.registry.trust) / ("deploy-" + signer_->key_id() + ".pub");
    if (!fs::exists(copy, ec)) fs::copy_file(path + ".pub", copy, ec);
  }
  std::fprintf(stderr, "registry: deployment key %s (key id %s)\n", path.c_str(), signer_->key_id().c_str());
  return true;
}

adapters::SignOutcome RegistryService::sign_and_admit(std::string_view module, const adapters::SignRequest& request) {
  adapters::SignOutcome out;
  if (!signer_) {
    out.refusal = "no-signing-key";
    out.message = "this registry has no deployment key to sign with";
    return out;
  }
  out.key_id = signer_->key_id();
  ota::SignRequestOutcome signed_module =
      ota::sign_unsigned_module(module, request.name, request.version, request.grants, *signer_, crypto_);
  if (!signed_module.module) {
    out.refusal = signed_module.refusal;
    out.message = signed_module.message;
    return out;
  }
  out.intake = admit(*signed_module.module, request.allow_downgrade);
  return out;
}

ota::IntakeOutcome RegistryService::admit(std::string_view module, bool allow_downgrade) {
  return ota::admit_module(registry_, module, trust_, crypto_, allow_downgrade);
}

std::optional<ota::Offer> RegistryService::offer(const std::string& node, const std::string& sha256,
                                                 bool allow_downgrade, std::string* error) {
  std::optional<std::string> bytes = registry_.read_module(sha256, error);
  if (!bytes) return std::nullopt;
  ota::OfferOptions options;
  options.allow_downgrade = allow_downgrade;
  return sender_->offer(node, std::move(*bytes), options, error);
}

namespace {

// The reply topic of the rollback commands this node sends.
std::string rollout_reply_topic(const std::string& node_id) { return topics::reply(node_id, "rollout"); }

}  // namespace

std::vector<std::string> RegistryService::subscriptions() const {
  std::vector<std::string> out = sender_->subscriptions();
  out.push_back(rollout_reply_topic(node_id_));
  return out;
}

bool RegistryService::handle_message(const Message& message) {
  if (message.topic == rollout_reply_topic(node_id_)) {
    handle_rollback_reply(message);
    return true;
  }
  return sender_->handle_message(message);
}

std::optional<ota::Rollout> RegistryService::deploy(const std::string& stage, const std::string& sha256,
                                                    const std::vector<std::string>& nodes, bool allow_downgrade,
                                                    std::string* error) {
  std::optional<ota::ModuleRecord> record = registry_.by_hash(sha256);
  if (!record) {
    *error = "no module " + sha256 + " in the registry (upload it first: POST /api/modules)";
    return std::nullopt;
  }
  std::optional<std::string> bytes = registry_.read_module(sha256, error);
  if (!bytes) return std::nullopt;
  ota::Rollout rollout;
  rollout.kind = "deploy";
  rollout.stage = stage;
  rollout.sha256 = sha256;
  rollout.name = record->name;
  rollout.version = record->version;
  rollout.started_ms = wall_clock_ms();
  ota::OfferOptions options;
  options.allow_downgrade = allow_downgrade;
  options.stage = stage;
  // Offers first, then the tracker: a node that answers at once is matched
  // by (transfer, attempt), which only the offer knows. Statuses arriving in
  // between are caught up from the sender's view below.
  std::vector<ota::Offer> offers;
  for (const std::string& node : nodes) {
    std::optional<ota::Offer> offer = sender_->offer(node, *bytes, options, error);
    if (!offer) {
      *error = "cannot offer " + sha256 + " to " + node + ": " + *error;
      return std::nullopt;
    }
    ota::RolloutTarget target;
    target.node = node;
    target.transfer = offer->transfer;
    target.attempt = offer->attempt;
    target.state = "offered";
    target.chunks = offer->chunk_count();
    rollout.targets.push_back(target);
    offers.push_back(*offer);
  }
  rollout = rollouts_.begin(std::move(rollout));
  for (const ota::RolloutTarget& t : rollout.targets)
    if (std::optional<ota::OtaStatus> last = sender_->last_status(t.node)) rollouts_.on_status(t.node, *last);
  return rollouts_.get(rollout.id);
}

std::optional<ota::Rollout> RegistryService::rollback(const std::string& stage, const std::vector<std::string>& nodes,
                                                      std::string* error) {
  ota::Rollout rollout;
  rollout.kind = "rollback";
  rollout.stage = stage;
  rollout.started_ms = wall_clock_ms();
  for (const std::string& node : nodes) {
    ota::RolloutTarget target;
    target.node = node;
    target.transfer = "stage.update:" + stage;  // a rollback runs as a stage.update (docs/ota.md)
    target.any_attempt = true;
    target.state = "requested";
    rollout.targets.push_back(target);
  }
  // Registered before the commands go out: the node's statuses follow at once.
  rollout = rollouts_.begin(std::move(rollout));
  for (const std::string& node : nodes) {
    nlohmann::json request{{"id", rollout.id + "/" + node},
                           {"cmd", "stage.rollback"},
                           {"args", {{"stage", stage}}},
                           {"reply_to", rollout_reply_topic(node_id_)}};
    if (Status s = bus_.publish(topics::command(node), request.dump(), 1, false, nullptr); !s) {
      *error = "cannot send stage.rollback to " + node + ": " + s.message;
      rollouts_.finish(rollout.id, node, ota::OtaState::kFailed, *error);
    }
  }
  return rollouts_.get(rollout.id);
}

// {"id":"<rollout>/<node>","ok":...}: a refused command ends that node's
// part; an accepted one waits for the node's statuses, unless the node
// ended a probation (the previous version runs again at once).
void RegistryService::handle_rollback_reply(const Message& message) {
  nlohmann::json reply = nlohmann::json::parse(message.payload, nullptr, false);
  if (!reply.is_object() || !reply.value("id", nlohmann::json()).is_string()) return;
  const std::string id = reply["id"].get<std::string>();
  const std::size_t slash = id.find('/');
  if (slash == std::string::npos) return;
  const std::string rollout = id.substr(0, slash), node = id.substr(slash + 1);
  if (!reply.value("ok", false)) {
    rollouts_.finish(rollout, node, ota::OtaState::kFailed, reply.value("error", std::string("refused")));
    return;
  }
  const nlohmann::json result = reply.value("result", nlohmann::json::object());
  if (result.is_object() && result.value("rollback", std::string()) == "probation ended") {
    rollouts_.finish(rollout, node, ota::OtaState::kRunning,
                     "the update on probation was ended; the previous version runs again");
    return;
  }
  rollouts_.note(rollout, node, ota::ota_state_name(ota::OtaState::kInstalling));
}

adapters::RegistrySources RegistryService::http_sources() {
  adapters::RegistrySources sources;
  sources.modules = &registry_;
  sources.admit = [this](std::string_view module, bool allow_downgrade) { return admit(module, allow_downgrade); };
  sources.offer = [this](const std::string& node, const std::string& sha256, bool allow_downgrade,
                         std::string* error) { return offer(node, sha256, allow_downgrade, error); };
  sources.sign = [this](std::string_view module, const adapters::SignRequest& request) {
    return sign_and_admit(module, request);
  };
  sources.deploy = [this](const std::string& stage, const std::string& sha256, const std::vector<std::string>& nodes,
                          bool allow_downgrade, std::string* error) -> std::optional<std::string> {
    std::optional<ota::Rollout> r = deploy(stage, sha256, nodes, allow_downgrade, error);
    return r ? std::optional<std::string>(ota::rollout_json(*r)) : std::nullopt;
  };
  sources.rollback = [this](const std::string& stage, const std::vector<std::string>& nodes,
                            std::string* error) -> std::optional<std::string> {
    std::optional<ota::Rollout> r = rollback(stage, nodes, error);
    return r ? std::optional<std::string>(ota::rollout_json(*r)) : std::nullopt;
  };
  sources.rollout = [this](const std::string& id) -> std::optional<std::string> {
    std::optional<ota::Rollout> r = rollouts_.get(id);
    return r ? std::optional<std::string>(ota::rollout_json(*r)) : std::nullopt;
  };
  sources.rollouts = [this] {
    std::string out = "[";
    for (const ota::Rollout& r : rollouts_.recent()) out += (out.size() > 1 ? "," : "") + ota::rollout_json(r);
    return out + "]";
  };
  return sources;
}

}  // namespace continuum::node::agent
