// bench_pipeline_loadgen: the MQTT side of the pipeline benchmark
// (bench/pipeline/run.py), on libmosquitto directly so that what it measures
// is the broker and the node, not our own bus adapter.
//
//   rtt     --port P --rate R --count N [--qos Q]
//           the bare broker round trip: publish N small messages at R/s to a
//           topic this client subscribes to; latency = receive - send on one
//           steady clock. Prints {"sent","received","p50_us","p95_us","p99_us"}.
//   publish --port P --topic T --rate R --seconds S [--qos 1] [--publishers K] [--batch B]
//           [--watch-node N --watch-stage ST] [--settle S]
//           publishes reading envelopes (node "gen", stage "src", seq 0..,
//           values sensor/t_ms/value/status as irrigation-control emits them)
//           at a fixed rate, QoS 1, over K raw MQTT connections (default 1;
//           raw_publisher.h), each on its own thread: every half millisecond
//           the messages due go out in one write (no busy wait: the generator
//           shares the machine with the broker and the node). "acked" counts
//           the broker's PUBACKs. --batch B > 1: the readings due in one burst
//           leave as batch messages of up to B readings (docs/protocol.md,
//           "Batches"), as an edge node's outbox sends what queued up under
//           load; a burst with one reading due still sends it alone.
//           With --watch-* it follows node N's heartbeat and
//           waits (up to --settle seconds) until stage ST has delivered +
//           dropped everything offered. Prints the offered count and rate and
//           the last heartbeat's figures for the stage, plus the largest queue
//           seen in any heartbeat.
//
//   wait-online --port P --nodes A,B,C [--settle S]
//           waits until every listed node's retained status reads "online"
//           (a node publishes it right after subscribing to its inputs, so
//           it is then ready to receive).
//
// Exit status: 0 done, 1 broker unreachable or a run that did not complete,
// 2 bad command line.
#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "continuum/node/reading_batch.h"
#include "raw_publisher.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}
int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Options {
  std::string mode;
  int port = 1883;
  double rate = 1000;
  long count = 1000;
  double seconds = 5;
  int qos = 1;
  std::string topic;
  std::string watch_node, watch_stage;
  std::string nodes;
  double settle = 30;
  int publishers = 1;
  int batch = 1;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "error: %s\nusage: bench_pipeline_loadgen rtt --port P --rate R --count N [--qos Q]\n"
               "       bench_pipeline_loadgen publish --port P --topic T --rate R --seconds S [--qos Q]\n"
               "                              [--publishers K] [--batch B]\n"
               "                              [--watch-node N --watch-stage ST] [--settle S]\n"
               "       bench_pipeline_loadgen wait-online --port P --nodes A,B,... [--settle S]\n",
               why.c_str());
  std::exit(2);
}

Options parse(int argc, char** argv) {
  if (argc < 2) usage("expected a mode: rtt, publish or wait-online");
  Options o;
  o.mode = argv[1];
  if (o.mode != "rtt" && o.mode != "publish" && o.mode != "wait-online")
    usage("unknown mode '" + o.mode + "' (expected rtt, publish or wait-online)");
  for (int i = 2; i < argc; ++i) {
    std::string key = argv[i];
    if (i + 1 >= argc) usage(key + " needs a value");
    std::string value = argv[++i];
    char* end = nullptr;
    double number = std::strtod(value.c_str(), &end);
    bool numeric = end && *end == '\0' && !value.empty();
    auto need_number = [&] {
      if (!numeric || number < 0) usage(key + ": expected a non-negative number, got '" + value + "'");
    };
    if (key == "--port") need_number(), o.port = int(number);
    else if (key == "--rate") need_number(), o.rate = number;
    else if (key == "--count") need_number(), o.count = long(number);
    else if (key == "--seconds") need_number(), o.seconds = number;
    else if (key == "--qos") need_number(), o.qos = int(number);
    else if (key == "--settle") need_number(), o.settle = number;
    else if (key == "--publishers") need_number(), o.publishers = int(number);
    else if (key == "--batch") need_number(), o.batch = int(number);
    else if (key == "--topic") o.topic = value;
    else if (key == "--watch-node") o.watch_node = value;
    else if (key == "--nodes") o.nodes = value;
    else if (key == "--watch-stage") o.watch_stage = value;
    else usage("unknown option " + key);
  }
  if (o.rate <= 0) usage("--rate must be > 0");
  if (o.qos > 2) usage("--qos must be 0, 1 or 2");
  if (o.publishers < 1 || o.publishers > 64) usage("--publishers must be 1..64");
  if (o.batch < 1 || o.batch > int(continuum::node::kMaxBatchReadings)) usage("--batch must be 1..256");
  if (o.mode == "publish" && o.qos != 1) usage("publish sends QoS 1 (what the nodes use for data); --qos must be 1");
  if (o.mode == "publish" && o.topic.empty()) usage("publish needs --topic");
  return o;
}

// One client with its network thread; messages go to `on_message`.
struct Client {
  mosquitto* m = nullptr;
  std::atomic<bool> connected{false};
  std::atomic<int> subacks{0};
  std::function<void(const mosquitto_message*)> on_message;

  bool connect(int port, const std::string& id) {
    mosquitto_lib_init();
    m = mosquitto_new(id.c_str(), true, this);
    if (!m) return false;
    mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
    // Unbounded in-flight window: the generator must not be the bottleneck.
    mosquitto_int_option(m, MOSQ_OPT_SEND_MAXIMUM, 65535);
    mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
    mosquitto_connect_v5_callback_set(m, [](mosquitto*, void* self, int rc, int, const mosquitto_property*) {
      if (rc == 0) static_cast<Client*>(self)->connected = true;
    });
    mosquitto_subscribe_v5_callback_set(
        m, [](mosquitto*, void* self, int, int, const int*, const mosquitto_property*) {
          ++static_cast<Client*>(self)->subacks;
        });
    mosquitto_message_v5_callback_set(
        m, [](mosquitto*, void* self, const mosquitto_message* msg, const mosquitto_property*) {
          auto* c = static_cast<Client*>(self);
          if (c->on_message) c->on_message(msg);
        });
    if (mosquitto_connect_bind_v5(m, "127.0.0.1", port, 30, nullptr, nullptr) != MOSQ_ERR_SUCCESS) return false;
    if (mosquitto_loop_start(m) != MOSQ_ERR_SUCCESS) return false;
    for (int i = 0; i < 1000 && !connected; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return connected;
  }
  bool subscribe(const std::string& filter, int qos) {
    int before = subacks;
    if (mosquitto_subscribe_v5(m, nullptr, filter.c_str(), qos, 0, nullptr) != MOSQ_ERR_SUCCESS) return false;
    for (int i = 0; i < 1000 && subacks == before; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return subacks > before;
  }
  ~Client() {
    if (!m) return;
    mosquitto_disconnect_v5(m, 0, nullptr);
    mosquitto_loop_stop(m, false);
    mosquitto_destroy(m);
  }
};

// Calls send(i) for i = 0..n-1 at `rate` per second: each message leaves at
// its scheduled time (sent late after a stall, never skipped).
template <typename Send>
void paced(long n, double rate, Send send) {
  int64_t start = steady_ns();
  double interval_ns = 1e9 / rate;
  for (long i = 0; i < n; ++i) {
    int64_t due = start + int64_t(double(i) * interval_ns);
    int64_t now = steady_ns();
    // Sleep only when well ahead: nanosleep overshoots by ~50-100 us.
    if (due - now > 200000) std::this_thread::sleep_for(std::chrono::nanoseconds(due - now - 100000));
    while (steady_ns() < due) {
    }
    send(i);
  }
}

// Calls send(i) for every i < n with i % stride == offset, none before its
// due time start + i / rate: every half millisecond the messages due by then
// leave in one burst. Sleeps between bursts rather than spinning: the
// generator shares two cores with the broker and the node it measures.
template <typename Send, typename Flush>
bool paced_bursts(long n, double rate, int64_t start, long offset, long stride, Send send, Flush flush) {
  long i = offset;
  while (i < n) {
    long due = long(double(steady_ns() - start) * rate / 1e9) + 1;  // 0..due-1 are due
    for (; i < n && i < due; i += stride) send(i);
    if (!flush()) return false;
    if (i < n) std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  return true;
}

double percentile(std::vector<int64_t> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t k = std::min(v.size() - 1, std::size_t(p / 100.0 * double(v.size() - 1) + 0.5));
  return double(v[k]);
}

int run_rtt(const Options& o) {
  Client c;
  std::mutex mutex;
  std::vector<int64_t> latencies_ns;
  c.on_message = [&](const mosquitto_message* msg) {
    int64_t now = steady_ns();
    int64_t sent = std::strtoll(static_cast<const char*>(msg->payload), nullptr, 10);
    std::lock_guard<std::mutex> lock(mutex);
    latencies_ns.push_back(now - sent);
  };
  if (!c.connect(o.port, "bench-rtt")) return std::fprintf(stderr, "error: cannot connect to 127.0.0.1:%d\n", o.port), 1;
  if (!c.subscribe("bench/rtt", o.qos)) return std::fprintf(stderr, "error: subscribe failed\n"), 1;
  paced(o.count, o.rate, [&](long) {
    char text[32];
    int len = std::snprintf(text, sizeof text, "%lld", static_cast<long long>(steady_ns()));
    mosquitto_publish_v5(c.m, nullptr, "bench/rtt", len, text, o.qos, false, nullptr);
  });
  for (int i = 0; i < 3000; ++i) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (long(latencies_ns.size()) >= o.count) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::lock_guard<std::mutex> lock(mutex);
  nlohmann::json out = {{"sent", o.count},
                        {"received", latencies_ns.size()},
                        {"p50_us", percentile(latencies_ns, 50) / 1e3},
                        {"p95_us", percentile(latencies_ns, 95) / 1e3},
                        {"p99_us", percentile(latencies_ns, 99) / 1e3}};
  std::printf("%s\n", out.dump().c_str());
  return long(latencies_ns.size()) == o.count ? 0 : 1;
}

int run_publish(const Options& o) {
  Client c;
  std::mutex mutex;
  nlohmann::json last_stage;
  uint64_t max_queue = 0;
  bool watching = !o.watch_node.empty() && !o.watch_stage.empty();
  c.on_message = [&](const mosquitto_message* msg) {
    nlohmann::json hb = nlohmann::json::parse(static_cast<const char*>(msg->payload),
                                              static_cast<const char*>(msg->payload) + msg->payloadlen, nullptr, false);
    if (hb.is_discarded() || !hb.contains("stage_stats") || !hb["stage_stats"].contains(o.watch_stage)) return;
    std::lock_guard<std::mutex> lock(mutex);
    last_stage = hb["stage_stats"][o.watch_stage];
    max_queue = std::max<uint64_t>(max_queue, last_stage.value("queue", uint64_t(0)));
  };
  if (!c.connect(o.port, "bench-publish")) return std::fprintf(stderr, "error: cannot connect to 127.0.0.1:%d\n", o.port), 1;
  auto stage_count = [&](const char* key) {
    std::lock_guard<std::mutex> lock(mutex);
    return last_stage.is_null() ? uint64_t(0) : last_stage.value(key, uint64_t(0));
  };
  uint64_t delivered_before = 0, dropped_before = 0;
  if (watching) {
    if (!c.subscribe("ctm/v1/" + o.watch_node + "/hb", 0)) return std::fprintf(stderr, "error: subscribe failed\n"), 1;
    // The counters are cumulative: wait for one heartbeat to know the start.
    for (int i = 0; i < 3000; ++i) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (!last_stage.is_null()) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    delivered_before = stage_count("delivered");
    dropped_before = stage_count("dropped");
    std::lock_guard<std::mutex> lock(mutex);
    max_queue = 0;
  }
  long n = long(o.rate * o.seconds);
  // The publishers are raw MQTT connections (raw_publisher.h: one send() per
  // burst); the libmosquitto client above only follows the heartbeat.
  std::vector<std::unique_ptr<RawPublisher>> publishers;
  for (int k = 0; k < o.publishers; ++k) {
    publishers.push_back(std::make_unique<RawPublisher>());
    std::string why;
    if (!publishers.back()->connect(o.port, "bench-publish-" + std::to_string(k), &why))
      return std::fprintf(stderr, "error: publisher %d: 127.0.0.1:%d: %s\n", k, o.port, why.c_str()), 1;
  }
  static const char* const kSensors[] = {"soil-1", "soil-2", "soil-3", "soil-4"};
  int64_t t0 = steady_ns();
  std::vector<std::thread> threads;
  std::atomic<bool> publish_failed{false};
  for (long k = 0; k < long(publishers.size()); ++k) {
    threads.emplace_back([&, k] {
      RawPublisher& p = *publishers[std::size_t(k)];
      std::vector<std::string> due;  // with --batch: this burst's envelopes
      auto send = [&](long i) {
        int64_t ms = wall_ms();
        char text[256];
        int len = std::snprintf(text, sizeof text,
                                "{\"node\":\"gen\",\"stage\":\"src\",\"seq\":%ld,\"ts\":%lld,\"values\":{\"sensor\":\"%s\","
                                "\"t_ms\":%lld,\"value\":%.1f,\"status\":\"ok\"}}",
                                i, static_cast<long long>(ms), kSensors[i % 4], static_cast<long long>(ms),
                                30.0 + double(i % 17) * 0.1);
        if (o.batch == 1) p.add(o.topic, std::string_view(text, std::size_t(len)));
        else due.emplace_back(text, std::size_t(len));
      };
      auto flush = [&] {
        for (std::size_t at = 0; at < due.size();) {
          std::vector<std::string_view> batch;
          std::size_t bytes = 0;
          for (; at < due.size() && batch.size() < std::size_t(o.batch) &&
                 continuum::node::reading_batch_size(batch.size() + 1, bytes + due[at].size()) <=
                     continuum::node::kMaxBatchBytes;
               ++at) {
            batch.push_back(due[at]);
            bytes += due[at].size();
          }
          if (batch.size() == 1) p.add(o.topic, batch[0]);
          else p.add(o.topic, continuum::node::encode_reading_batch(batch));
        }
        due.clear();
        return p.flush();
      };
      if (!paced_bursts(n, o.rate, t0, k, long(publishers.size()), send, flush))
        publish_failed = true;
    });
  }
  for (std::thread& t : threads) t.join();
  double publish_s = double(steady_ns() - t0) / 1e9;
  nlohmann::json out = {{"offered", n},
                        {"publish_s", publish_s},
                        {"offered_per_s", double(n) / publish_s},
                        {"publishers", publishers.size()},
                        {"batch", o.batch}};
  // What the broker acknowledged (PUBACK): it has taken the message.
  uint64_t acked = 0;
  for (auto& p : publishers) {
    p->wait_acked(int(o.settle * 1000));
    acked += p->acked();
  }
  out["acked"] = acked;
  if (publish_failed) {
    std::fprintf(stderr, "error: a publisher lost its connection\n");
    return 1;
  }
  int status = 0;
  if (watching) {
    // Done when the stage has taken (or dropped) everything offered.
    double caught_up_s = -1;
    auto settle_deadline = Clock::now() + std::chrono::milliseconds(int64_t(o.settle * 1000));
    while (Clock::now() < settle_deadline) {
      if (stage_count("delivered") - delivered_before + stage_count("dropped") - dropped_before >= uint64_t(n)) {
        caught_up_s = double(steady_ns() - t0) / 1e9;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    uint64_t delivered = stage_count("delivered") - delivered_before;
    uint64_t dropped = stage_count("dropped") - dropped_before;
    std::lock_guard<std::mutex> lock(mutex);
    out["delivered"] = delivered;
    out["dropped"] = dropped;
    out["max_queue"] = max_queue;
    out["caught_up_s"] = caught_up_s;
    // The heartbeat comes every period: the catch-up time is late by up to one.
    out["delivered_per_s"] = caught_up_s > 0 ? double(delivered) / caught_up_s : 0.0;
    out["stage"] = last_stage;
    if (caught_up_s < 0) status = 1;
  } else {
    // Let the network thread hand everything to the broker before leaving.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  std::printf("%s\n", out.dump().c_str());
  return status;
}

int run_wait_online(const Options& o) {
  Client c;
  std::mutex mutex;
  std::map<std::string, bool> online;
  std::string rest = o.nodes;
  while (!rest.empty()) {
    std::size_t comma = rest.find(',');
    online[rest.substr(0, comma)] = false;
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
  }
  if (online.empty()) usage("wait-online needs --nodes A,B,...");
  c.on_message = [&](const mosquitto_message* msg) {
    std::string topic = msg->topic;  // ctm/v1/<node>/status
    std::string node = topic.substr(7, topic.size() - 7 - 7);
    std::string payload(static_cast<const char*>(msg->payload), std::size_t(msg->payloadlen));
    std::lock_guard<std::mutex> lock(mutex);
    if (online.count(node)) online[node] = payload.find("\"online\"") != std::string::npos;
  };
  if (!c.connect(o.port, "bench-wait-online")) return std::fprintf(stderr, "error: cannot connect to 127.0.0.1:%d\n", o.port), 1;
  if (!c.subscribe("ctm/v1/+/status", 1)) return std::fprintf(stderr, "error: subscribe failed\n"), 1;
  auto deadline = Clock::now() + std::chrono::milliseconds(int64_t(o.settle * 1000));
  while (Clock::now() < deadline) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      bool all = true;
      for (const auto& [node, up] : online) all = all && up;
      if (all) return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::lock_guard<std::mutex> lock(mutex);
  for (const auto& [node, up] : online)
    if (!up) std::fprintf(stderr, "error: node %s did not come online within %g s\n", node.c_str(), o.settle);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  if (o.mode == "wait-online") return run_wait_online(o);
  return o.mode == "rtt" ? run_rtt(o) : run_publish(o);
}
