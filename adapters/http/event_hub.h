// Fan-out of server-sent events to the /api/stream clients. publish() never
// blocks on a client: each client has a bounded queue, and an event that does
// not fit is dropped for that client alone and counted (the client sees the
// count in its next `dropped` event).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace continuum::adapters::http {

class EventHub {
 public:
  struct Client {
    std::string node_filter, stage_filter;  // empty: everything
    std::size_t capacity = 0;
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<std::string> queue;  // formatted events ("event: ...\ndata: ...\n\n")
    uint64_t dropped = 0;           // since the last `dropped` event
    bool closed = false;
  };

  explicit EventHub(std::size_t max_clients) : max_clients_(max_clients) {}

  // nullptr when max_clients are connected already.
  std::shared_ptr<Client> subscribe(std::string node_filter, std::string stage_filter, std::size_t capacity);
  void unsubscribe(const std::shared_ptr<Client>& client);
  // `stage` empty: the event is about a node (status, heartbeat): only the
  // node filter applies.
  void publish(const std::string& kind, const std::string& node, const std::string& stage, const std::string& json);
  // Wakes every client and makes next() return nullopt from now on.
  void close_all();

  // The next chunk to send to the client: events, or a keep-alive comment
  // after waiting keepalive_ms; nullopt once the hub is closed.
  static std::optional<std::string> next(Client& client, int64_t keepalive_ms);

  std::size_t clients();
  uint64_t dropped_total();

 private:
  std::size_t max_clients_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<Client>> clients_;
  bool closed_ = false;
  uint64_t dropped_total_ = 0;
};

}  // namespace continuum::adapters::http
