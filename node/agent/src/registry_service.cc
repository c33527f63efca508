#include "registry_service.h"

#include <cstdio>
#include <filesystem>

#include "continuum/adapters/ed25519_keys.h"
#include "continuum/ota/sign_request.h"

namespace continuum::node::agent {

std::unique_ptr<RegistryService> RegistryService::open(const NodeConfig& config, MessageBus& bus,
                                                       std::string* error) {
  std::unique_ptr<RegistryService> service(new RegistryService());
  if (Status s = adapters::load_trust_store(config.registry.trust, service->crypto_, service->trust_); !s) {
    *error = config.source + ": registry.trust: " + s.message;
    return nullptr;
  }
  if (Status s = service->registry_.open(config.registry.dir); !s) {
    *error = config.source + ": registry.dir: cannot open " + config.registry.dir + ": " + s.message;
    return nullptr;
  }
  if (!service->open_signing_key(config, error)) return nullptr;
  service->sender_ = std::make_unique<ota::TransferSender>(bus, service->crypto_);
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

adapters::RegistrySources RegistryService::http_sources() {
  adapters::RegistrySources sources;
  sources.modules = &registry_;
  sources.admit = [this](std::string_view module, bool allow_downgrade) { return admit(module, allow_downgrade); };
  sources.offer = [this](const std::string& node, const std::string& sha256, bool allow_downgrade,
                         std::string* error) { return offer(node, sha256, allow_downgrade, error); };
  sources.sign = [this](std::string_view module, const adapters::SignRequest& request) {
    return sign_and_admit(module, request);
  };
  return sources;
}

}  // namespace continuum::node::agent
