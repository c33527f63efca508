// bench_ota_transfer: time to deliver a signed module to a node over MQTT on
// loopback, from the cloud's offer to the node's "running" report: download
// in chunks, hash checks, signature verification, install (into memory).
// Starts its own mosquitto on a free loopback port. Every run's installed
// bytes are compared with the module sent (exit 1 on any difference).
//
//   bench_ota_transfer [--runs N] [--size BYTES] [--chunk-size BYTES] [--window N] [--tcp-nodelay 0|1]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "../../tests/support/server_process.h"
#include "../../tests/ota/wasm_fixture.h"
#include "continuum/adapters/ed25519_keys.h"
#include "continuum/adapters/mqtt_bus.h"
#include "continuum/adapters/openssl_crypto.h"
#include "continuum/ota/transfer_receiver.h"
#include "continuum/ota/transfer_sender.h"

using namespace continuum;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
  int runs = 21;
  size_t size = 100 * 1024;
  uint32_t chunk_size = ota::kDefaultChunkSize;
  uint32_t window = 8;
  bool tcp_nodelay = true;  // the broker's set_tcp_nodelay
};

bool parse_args(int argc, char** argv, Args* a) {
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) return false;
    long value = std::atol(argv[++i]);
    if (flag == "--tcp-nodelay" && (value == 0 || value == 1)) {
      a->tcp_nodelay = value == 1;
      continue;
    }
    if (value <= 0) return false;
    if (flag == "--runs") a->runs = static_cast<int>(value);
    else if (flag == "--size") a->size = static_cast<size_t>(value);
    else if (flag == "--chunk-size") a->chunk_size = static_cast<uint32_t>(value);
    else if (flag == "--window") a->window = static_cast<uint32_t>(value);
    else return false;
  }
  return true;
}

adapters::MqttConfig client(int port, const char* id) {
  adapters::MqttConfig c;
  c.port = port;
  c.client_id = id;
  c.reconnect_delay_s = 1;
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!parse_args(argc, argv, &args)) {
    fprintf(stderr, "error: usage: bench_ota_transfer [--runs N] [--size BYTES] [--chunk-size BYTES] [--window N] "
                    "[--tcp-nodelay 0|1] (positive numbers)\n");
    return 2;
  }
  if (testing::find_program("mosquitto").empty()) {
    fprintf(stderr, "error: mosquitto not found (scripts/setup.sh installs it)\n");
    return 1;
  }
  // As docs/ota.md recommends for brokers carrying OTA transfers.
  testing::MosquittoServer broker({.tcp_nodelay = args.tcp_nodelay});
  if (!broker.start()) {
    fprintf(stderr, "error: mosquitto did not start:\n%s\n", broker.log().c_str());
    return 1;
  }

  adapters::OpenSslCrypto crypto;
  testing::TempDir dir;
  std::string key_id, error;
  std::string key_path = (dir.path() / "bench-key").string();
  if (!adapters::generate_ed25519_key_pair(key_path, crypto, &key_id)) return 1;
  auto signer = adapters::Ed25519Signer::load(key_path, crypto, &error);
  ota::TrustStore trust;
  trust.add(crypto, signer->raw_public_key(), "bench");
  // The data segment makes up the size; the module stays a valid one.
  size_t overhead = ota::testing::make_module({.data_bytes = 0}).size() + 150;
  auto module = ota::sign_module(
      ota::testing::make_module({.data_bytes = args.size > overhead ? args.size - overhead : 1}), "bench-module",
      "1.0.0", *signer, crypto, &error);
  if (!module) {
    fprintf(stderr, "error: %s\n", error.c_str());
    return 1;
  }

  std::mutex installed_mutex;
  std::string installed;
  adapters::MqttBus node_bus(client(broker.port(), "bench-node"));
  ota::ReceiverOptions options;
  options.node = "bench-node";
  options.dir = dir.path() / "node";
  options.window = args.window;
  ota::TransferReceiver receiver(
      node_bus, crypto, trust, options,
      [&](const ota::VerifiedModule& m) {
        std::lock_guard lock(installed_mutex);
        installed = m.bytes;
        return ota::InstallResult{ota::OtaState::kRunning, ""};
      },
      {});
  adapters::MqttBus cloud_bus(client(broker.port(), "bench-cloud"));
  ota::TransferSender sender(cloud_bus, crypto);
  if (!receiver.attach() || !sender.attach() || !node_bus.start() || !cloud_bus.start() ||
      !node_bus.wait_subscribed(30000) || !cloud_bus.wait_subscribed(30000)) {
    fprintf(stderr, "error: could not connect to the broker\n");
    return 1;
  }

  std::vector<double> ms;
  uint32_t chunks = 0;
  for (int run = 0; run < args.runs + 1; ++run) {  // run 0 warms up (connections, page cache)
    {
      std::lock_guard lock(installed_mutex);
      installed.clear();
    }
    auto start = Clock::now();
    auto offer = sender.offer("bench-node", *module, {.chunk_size = args.chunk_size}, &error);
    if (!offer) {
      fprintf(stderr, "error: offer: %s\n", error.c_str());
      return 1;
    }
    auto outcome = sender.wait_for_outcome("bench-node", *offer, std::chrono::seconds(30));
    auto elapsed = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (!outcome || outcome->state != ota::OtaState::kRunning) {
      fprintf(stderr, "error: run %d: %s\n", run, outcome ? outcome->reason.c_str() : "no outcome within 30 s");
      return 1;
    }
    {
      std::lock_guard lock(installed_mutex);
      if (installed != *module) {
        fprintf(stderr, "error: run %d: installed bytes differ from the module sent\n", run);
        return 1;
      }
    }
    chunks = offer->chunk_count();
    if (run > 0) ms.push_back(elapsed);
  }
  std::sort(ms.begin(), ms.end());
  double median = ms[ms.size() / 2];
  printf("OTA transfer over MQTT (loopback mosquitto), offer -> running, signature verified\n");
  printf("module %zu bytes, chunk %u bytes (%u chunks), window %u, broker set_tcp_nodelay %s, %d runs\n",
         module->size(), args.chunk_size, chunks, args.window, args.tcp_nodelay ? "true" : "false", args.runs);
  printf("median %.1f ms  min %.1f ms  max %.1f ms  (%.1f MB/s at the median)\n", median, ms.front(), ms.back(),
         module->size() / median / 1000.0);
  printf("target < 200 ms for 100 KB at the default chunk size: %s\n", median < 200 ? "met" : "NOT met");
  cloud_bus.stop();
  node_bus.stop();
  return 0;
}
