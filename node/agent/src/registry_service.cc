#include "registry_service.h"

#include <cstdio>

#include "continuum/adapters/ed25519_keys.h"

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
  service->sender_ = std::make_unique<ota::TransferSender>(bus, service->crypto_);
  std::fprintf(stderr, "registry: %zu module(s) in %s\n", service->registry_.list().size(),
               config.registry.dir.c_str());
  std::fflush(stderr);
  return service;
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
  return sources;
}

}  // namespace continuum::node::agent
