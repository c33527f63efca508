#include "event_hub.h"

#include <algorithm>
#include <chrono>

namespace continuum::adapters::http {

std::shared_ptr<EventHub::Client> EventHub::subscribe(std::string node_filter, std::string stage_filter,
                                                      std::size_t capacity) {
  std::lock_guard lock(mutex_);
  if (closed_ || clients_.size() >= max_clients_) return nullptr;
  auto client = std::make_shared<Client>();
  client->node_filter = std::move(node_filter);
  client->stage_filter = std::move(stage_filter);
  client->capacity = std::max<std::size_t>(capacity, 1);
  clients_.push_back(client);
  return client;
}

void EventHub::unsubscribe(const std::shared_ptr<Client>& client) {
  std::lock_guard lock(mutex_);
  clients_.erase(std::remove(clients_.begin(), clients_.end(), client), clients_.end());
}

void EventHub::publish(const std::string& kind, const std::string& node, const std::string& stage,
                       const std::string& json) {
  const std::string event = "event: " + kind + "\ndata: " + json + "\n\n";
  std::lock_guard lock(mutex_);
  for (const std::shared_ptr<Client>& client : clients_) {
    if (!client->node_filter.empty() && client->node_filter != node) continue;
    if (!client->stage_filter.empty() && !stage.empty() && client->stage_filter != stage) continue;
    if (!client->stage_filter.empty() && stage.empty() && kind == "reading") continue;
    {
      std::lock_guard client_lock(client->mutex);
      if (client->queue.size() >= client->capacity) {
        ++client->dropped;
        ++dropped_total_;
        continue;
      }
      client->queue.push_back(event);
    }
    client->wake.notify_one();
  }
}

void EventHub::close_all() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  for (const std::shared_ptr<Client>& client : clients_) {
    {
      std::lock_guard client_lock(client->mutex);
      client->closed = true;
    }
    client->wake.notify_all();
  }
}

std::optional<std::string> EventHub::next(Client& client, int64_t keepalive_ms) {
  std::unique_lock lock(client.mutex);
  client.wake.wait_for(lock, std::chrono::milliseconds(keepalive_ms),
                       [&] { return client.closed || !client.queue.empty(); });
  if (client.closed) return std::nullopt;
  if (client.queue.empty()) return std::string(": keep-alive\n\n");
  std::string out;
  if (client.dropped > 0) {
    out += "event: dropped\ndata: {\"dropped\":" + std::to_string(client.dropped) + "}\n\n";
    client.dropped = 0;
  }
  // Everything queued in one write: fewer syscalls for a busy stream.
  while (!client.queue.empty()) {
    out += client.queue.front();
    client.queue.pop_front();
  }
  return out;
}

std::size_t EventHub::clients() {
  std::lock_guard lock(mutex_);
  return clients_.size();
}

uint64_t EventHub::dropped_total() {
  std::lock_guard lock(mutex_);
  return dropped_total_;
}

}  // namespace continuum::adapters::http
