// The event stream's fan-out: bounded per-client queues that drop (and
// count) instead of blocking the publisher, keep-alive comments, filters; and
// over real HTTP, a client that never reads does not hold ingest up.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>

#include "continuum/adapters/http_api.h"
#include "event_hub.h"

namespace continuum::adapters {
namespace {

using http::EventHub;

TEST(EventHub, FullQueueDropsForThatClientOnlyAndSaysSo) {
  EventHub hub(4);
  auto slow = hub.subscribe("", "", 3);
  auto edge_only = hub.subscribe("edge-1", "control", 100);
  ASSERT_TRUE(slow && edge_only);
  for (int i = 0; i < 10; ++i) hub.publish("reading", i % 2 ? "edge-1" : "edge-2", "control", "{\"i\":" + std::to_string(i) + "}");
  hub.publish("status", "edge-1", "", "{}");
  hub.publish("reading", "edge-1", "other", "{}");
  EXPECT_EQ(hub.dropped_total(), 9u);  // all the slow client's events after its first 3
  std::optional<std::string> chunk = EventHub::next(*slow, 1000);
  ASSERT_TRUE(chunk);
  EXPECT_EQ(*chunk, "event: dropped\ndata: {\"dropped\":9}\n\n"
                    "event: reading\ndata: {\"i\":0}\n\n"
                    "event: reading\ndata: {\"i\":1}\n\n"
                    "event: reading\ndata: {\"i\":2}\n\n");
  chunk = EventHub::next(*edge_only, 1000);
  ASSERT_TRUE(chunk);
  // Only edge-1's control readings and its status.
  EXPECT_EQ(std::count(chunk->begin(), chunk->end(), '\n') / 3, 6);
  EXPECT_EQ(chunk->find("edge-2"), std::string::npos);
  EXPECT_NE(chunk->find("event: status"), std::string::npos);
  EXPECT_EQ(chunk->find("event: reading\ndata: {}\n"), std::string::npos);  // the "other" stage
  // Idle: a keep-alive comment after the interval.
  EXPECT_EQ(EventHub::next(*edge_only, 10), ": keep-alive\n\n");
  // The hub's client limit, and its end.
  EXPECT_TRUE(hub.subscribe("", "", 1));
  EXPECT_TRUE(hub.subscribe("", "", 1));
  EXPECT_FALSE(hub.subscribe("", "", 1));
  hub.close_all();
  EXPECT_FALSE(EventHub::next(*slow, 1000));
}

// A raw TCP client that asks for the stream and then never reads.
int connect_and_never_read(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int small = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return -1;
  const char request[] = "GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  if (write(fd, request, sizeof request - 1) != static_cast<ssize_t>(sizeof request - 1)) return -1;
  return fd;
}

TEST(HttpEventStream, AClientThatNeverReadsLosesEventsAndIngestGoesOn) {
  node::FleetModel fleet;
  HttpApiConfig config;
  config.port = 0;
  config.stream_queue = 16;
  HttpApiSources sources;
  sources.node_id = "cloud-1";
  sources.fleet = &fleet;
  node::Status status;
  std::unique_ptr<HttpApi> api = HttpApi::start(config, sources, &status);
  ASSERT_TRUE(api) << status.message;
  int fd = connect_and_never_read(api->port());
  ASSERT_GE(fd, 0);
  httplib::Client client("127.0.0.1", api->port());
  // Wait until the server has the client subscribed.
  const std::regex clients(R"(continuum_stream_clients 1\n)");
  for (int i = 0; i < 600; ++i) {
    auto r = client.Get("/metrics");
    if (r && std::regex_search(r->body, clients)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // 20 MB of events (10,000 of ~2 KB): far more than the socket buffers hold
  // (Linux grows a TCP send buffer to tcp_wmem's maximum, 4 MiB by default;
  // the client's receive buffer is 4 KiB), so at most ~2,100 of them can
  // leave and the rest must be dropped and counted. If publishing waited for
  // the client this loop would never end (the test would time out). Few and
  // large rather than many and small: the loop must end well before the
  // server's write timeout (5 s) gives up on the stuck client, after which
  // events are no longer counted as dropped for it (an ASan build on a loaded
  // machine took 10 s for 100,000 small ones).
  node::Reading reading{"edge-1", "control", 0, 1, {{"value", 1.0}}, {}, {{"note", std::string(2000, 'x')}}};
  for (uint64_t seq = 0; seq < 10'000; ++seq) {
    reading.seq = seq;
    api->on_reading(reading, 2);
  }
  auto r = client.Get("/metrics");
  ASSERT_TRUE(r);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r->body, m, std::regex(R"(continuum_stream_events_dropped_total (\d+)\n)"))) << r->body;
  EXPECT_GT(std::stoull(m[1]), 7'000u);
  // Other requests are still served while the stuck client holds its thread.
  auto health = client.Get("/api/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  close(fd);
  api->stop();  // returns although a stream was open
}

}  // namespace
}  // namespace continuum::adapters
