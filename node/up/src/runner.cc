// The orchestration of `continuum up`: decide ports and paths, check every
// node config, then start broker -> simulators -> nodes (cloud first, so
// ingest is subscribed before data flows), watch, and stop in the reverse
// order (edges flush their outboxes first, the cloud stores the last
// readings before it goes).
#include "continuum/node/up/runner.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "continuum/adapters/ed25519_keys.h"
#include "continuum/adapters/openssl_crypto.h"
#include "continuum/node/agent/config.h"
#include "continuum/node/up/child_process.h"
#include "continuum/node/up/deployment.h"
#include "continuum/node/up/managed_broker.h"
#include "continuum/node/up/monitor.h"
#include "continuum/node/up/report.h"
#include "continuum/node/up/simulators.h"

namespace continuum::node::up {
namespace {

namespace fs = std::filesystem;

double monotonic_s() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + ts.tv_nsec / 1e9;
}

std::string seconds_text(const char* what, double s) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s %.1f s", what, s);
  return buf;
}

// Every run directory gets a deployment key, keys/deploy.key, and a trust
// store, trust/, holding its public key, so that a deployment file can name
// them (${run_dir}/keys/deploy.key for the registry's signing_key,
// ${run_dir}/trust for [trust] keys): what the registry signs (the dashboard's
// code area) or what a user signs with that key installs on every node. Made
// before any node starts, because a node reads its trust store once, at start.
// A key that is already there (a rerun, or one the user put there) is kept.
bool ensure_deployment_key(const std::string& run_dir, std::string* error) {
  const fs::path keys = fs::path(run_dir) / "keys", trust = fs::path(run_dir) / "trust";
  const fs::path key = keys / "deploy.key", pub = keys / "deploy.key.pub";
  std::error_code ec;
  fs::create_directories(keys, ec);
  if (!ec) fs::create_directories(trust, ec);
  if (ec) {
    *error = "cannot create " + keys.string() + " or " + trust.string() + ": " + ec.message();
    return false;
  }
  adapters::OpenSslCrypto crypto;
  if (!fs::exists(key, ec)) {
    std::string key_id;
    if (Status s = adapters::generate_ed25519_key_pair(key.string(), crypto, &key_id); !s) {
      *error = "cannot make the deployment key " + key.string() + ": " + s.message;
      return false;
    }
  }
  std::unique_ptr<adapters::Ed25519Signer> signer = adapters::Ed25519Signer::load(key.string(), crypto, error);
  if (!signer) {
    *error = "the deployment key " + key.string() + ": " + *error;
    return false;
  }
  // Named as the registry names the copy it makes of its own key
  // (registry_service.cc), so the trust store holds the key once.
  const fs::path trusted = trust / ("deploy-" + signer->key_id() + ".pub");
  if (!fs::exists(trusted, ec)) {
    fs::copy_file(pub, trusted, ec);
    if (ec) {
      *error = "cannot copy " + pub.string() + " into " + trust.string() + ": " + ec.message();
      return false;
    }
  }
  return true;
}

int tier_rank(const std::string& tier) {
  if (tier == "cloud") return 0;
  if (tier == "fog") return 1;
  return 2;
}

std::string default_run_dir() {
  std::string base;
  if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state) base = state;
  else if (const char* home = std::getenv("HOME"); home && *home) base = std::string(home) + "/.local/state";
  else base = "/tmp";
  time_t now = time(nullptr);
  tm utc{};
  gmtime_r(&now, &utc);
  char stamp[64];
  strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  return base + "/continuum/runs/" + stamp + "-" + std::to_string(getpid());
}

std::string self_exe() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "" : p.string();
}

// --modules, CTM_MODULES, the build tree next to the binary
// (build/<preset>/cli/continuum -> build/<preset>/modules), an install.
std::string resolve_modules_dir(const std::string& option, const std::string& exe) {
  if (!option.empty()) return fs::absolute(option).string();
  if (const char* env = std::getenv("CTM_MODULES"); env && *env) return fs::absolute(env).string();
  fs::path bin = fs::path(exe).parent_path();
  std::vector<fs::path> candidates = {bin.parent_path() / "modules", bin.parent_path() / "lib/continuum/modules",
                                      "/usr/lib/continuum/modules"};
  for (const fs::path& c : candidates) {
    std::error_code ec;
    if (fs::exists(c / "irrigation-control.wasm", ec)) return c.lexically_normal().string();
  }
  return candidates[0].lexically_normal().string();
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  return bool(out);
}

// The API address a node announces on stderr ("http: listening on URL").
std::string find_api_url(const std::string& log_path) {
  std::ifstream in(log_path);
  const std::string marker = "http: listening on ";
  for (std::string line; std::getline(in, line);) {
    std::size_t at = line.find(marker);
    if (at != std::string::npos) return line.substr(at + marker.size());
  }
  return "";
}

// The dashboard's URL and where the administrator password is, from the
// node's "http: dashboard at URL (...)" and "http: admin password ..." lines
// (docs/node-config.md [http]); the password itself is never repeated.
std::string find_dashboard(const std::string& log_path) {
  std::ifstream in(log_path);
  std::string url, password;
  for (std::string line; std::getline(in, line);) {
    if (std::size_t at = line.find("http: dashboard at "); at != std::string::npos) {
      url = line.substr(at + std::strlen("http: dashboard at "));
      url = url.substr(0, url.find(' '));
    }
    for (const char* marker : {"(saved in ", "http: admin password in "}) {
      if (std::size_t at = line.find(marker); at != std::string::npos && line.find("admin password") != std::string::npos) {
        password = line.substr(at + std::strlen(marker));
        password = password.substr(0, password.find_first_of(" ,)"));
      }
    }
  }
  if (url.empty()) return "";
  return url + " (sign in as admin; password in " + (password.empty() ? "the node's config" : password) + ")";
}

// Waits for a stop signal up to timeout_ms; true if one came.
bool wait_signal(const sigset_t& signals, int timeout_ms, int* which) {
  timespec ts{timeout_ms / 1000, long(timeout_ms % 1000) * 1000000L};
  int sig = sigtimedwait(&signals, nullptr, &ts);
  if (sig > 0) {
    *which = sig;
    return true;
  }
  return false;
}

struct RunningNode {
  const NodeSection* section;
  std::string config_path, log_path;
  ChildProcess process;
  bool failed = false;
};

class Run {
 public:
  Run(const UpOptions& o, Deployment d, Bindings b) : o_(o), d_(std::move(d)), b_(std::move(b)) {}
  int execute();

 private:
  bool start_everything(std::string* error);
  bool wait_online(RunningNode& r, double deadline, std::string* error);
  void watch();
  void stop_everything();
  void stop_tier(int rank);
  void wait_for_store_catch_up();
  void print(const std::string& line);
  LiveState live_state(double elapsed);
  FinalSummary final_summary();

  const UpOptions& o_;
  Deployment d_;
  Bindings b_;
  sigset_t signals_{};
  std::unique_ptr<ManagedBroker> broker_;
  bool broker_up_ = true;
  HeartbeatMonitor monitor_;
  std::vector<std::unique_ptr<SoilRunner>> soil_;
  std::vector<std::unique_ptr<RobotRunner>> robots_;
  std::vector<std::unique_ptr<RunningNode>> nodes_;  // in start order
  std::unique_ptr<StoreReader> store_;
  std::string api_url_;
  std::string dashboard_;
  std::vector<std::string> problems_, outages_;
  std::map<std::string, NodeFigures> last_figures_;
  double started_ = 0, ended_ = 0;
  bool live_screen_ = false;
};

// Until the node announced itself online; false (and why) if it exited,
// the deadline passed (60 s from the caller's start) or a stop signal came.
bool Run::wait_online(RunningNode& r, double deadline, std::string* error) {
  const std::string& id = r.section->id;
  while (!monitor_.nodes()[id].online) {
    if (!r.process.running()) {
      *error = "node " + id + " exited at start (status " + std::to_string(r.process.exit_status()) + "), see " +
               r.log_path;
      return false;
    }
    if (monotonic_s() > deadline) {
      *error = "node " + id + " did not come online within 60 s, see " + r.log_path;
      return false;
    }
    int sig = 0;
    if (wait_signal(signals_, 50, &sig)) {
      *error = "interrupted while starting";
      return false;
    }
  }
  return true;
}

void Run::print(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

bool Run::start_everything(std::string* error) {
  std::error_code ec;
  fs::create_directories(fs::path(b_.run_dir) / "nodes", ec);
  fs::create_directories(fs::path(b_.run_dir) / "logs", ec);
  if (ec) {
    *error = "cannot create the run directory " + b_.run_dir + ": " + ec.message();
    return false;
  }
  print("run directory: " + b_.run_dir);
  if (!ensure_deployment_key(b_.run_dir, error)) return false;
  if (d_.broker.managed) {
    broker_ = std::make_unique<ManagedBroker>(b_.run_dir + "/broker", b_.broker_port);
    *error = broker_->start();
    if (!error->empty()) return false;
    print("broker: mosquitto on 127.0.0.1:" + std::to_string(b_.broker_port) + " (log " + broker_->log_path() + ")");
  } else {
    print("broker: " + b_.broker_host + ":" + std::to_string(b_.broker_port) + " (from the deployment file)");
  }
  monitor_.start(b_.broker_host, b_.broker_port);

  for (const SimulatorSettings& s : d_.simulators) {
    if (s.kind == "soil") {
      auto runner = std::make_unique<SoilRunner>(s);
      *error = runner->start(std::stoi(b_.values["sim." + s.name + ".port"]));
      if (!error->empty()) return false;
      print("simulator " + s.name + ": " + std::to_string(s.soil.fields) + " soil fields, Modbus TCP on 127.0.0.1:" +
            std::to_string(runner->port()));
      soil_.push_back(std::move(runner));
    } else {
      std::string tty = b_.values["sim." + s.name + ".tty"];
      auto runner = std::make_unique<RobotRunner>(s, tty, b_.run_dir + "/logs/" + s.name + ".jsonl");
      *error = runner->start();
      if (!error->empty()) return false;
      print("simulator " + s.name + ": KR C2 robot on " + tty + " at " + std::to_string(s.krc2.baud) + " baud");
      robots_.push_back(std::move(runner));
    }
  }

  std::vector<const NodeSection*> order;
  for (const NodeSection& n : d_.nodes) order.push_back(&n);
  std::stable_sort(order.begin(), order.end(),
                   [](const NodeSection* a, const NodeSection* b) { return tier_rank(a->tier) < tier_rank(b->tier); });
  std::string binary = o_.node_binary.empty() ? self_exe() : o_.node_binary;
  for (const NodeSection* n : order) {
    auto r = std::make_unique<RunningNode>();
    r->section = n;
    r->config_path = b_.run_dir + "/nodes/" + n->id + ".toml";
    r->log_path = b_.run_dir + "/logs/" + n->id + ".log";
    if (!write_file(r->config_path, n->toml)) {
      *error = "cannot write " + r->config_path;
      return false;
    }
    *error = r->process.start({binary, "node", "--config", r->config_path}, r->log_path);
    if (!error->empty()) {
      *error = "node " + n->id + ": " + *error;
      return false;
    }
    RunningNode* started = r.get();
    nodes_.push_back(std::move(r));
    print("node " + n->id + " (" + n->tier + "): pid " + std::to_string(started->process.pid()) + ", log " +
          started->log_path);
    // An ingest node must be subscribed before the others publish: wait
    // until it announced itself online (generous: a loaded machine).
    if (n->config.ingest.enabled && !wait_online(*started, monotonic_s() + 60, error)) return false;
  }
  // Everyone online (or a clear reason why not).
  double deadline = monotonic_s() + 60;
  for (auto& r : nodes_)
    if (!wait_online(*r, deadline, error)) return false;
  std::string node_id;
  std::string store_path = ingest_store_path(d_, &node_id);
  store_ = std::make_unique<StoreReader>(store_path);
  print("all " + std::to_string(nodes_.size()) + " nodes online" +
        (store_path.empty() ? "" : "; readings stored by " + node_id + " in " + store_path));
  return true;
}

LiveState Run::live_state(double elapsed) {
  LiveState s;
  s.deployment = d_.name;
  s.elapsed_s = elapsed;
  s.broker = b_.broker_host + ":" + std::to_string(b_.broker_port);
  s.broker_up = broker_up_;
  s.api_url = api_url_;
  s.dashboard = dashboard_;
  for (auto& r : nodes_) s.node_ids.push_back(r->section->id);
  s.nodes = monitor_.nodes();
  int64_t now_ms = int64_t(time(nullptr)) * 1000;
  s.latency = percentiles(store_->latencies_since(now_ms - 10000));
  s.rows_stored = store_->total_rows();
  for (auto& soil : soil_) s.soil.push_back(soil->snapshot());
  for (auto& robot : robots_) s.robots.push_back(robot->snapshot());
  return s;
}

void Run::watch() {
  started_ = monotonic_s();
  double next_render = started_, render_every = live_screen_ ? 1.0 : 5.0;
  bool outage_started = false, outage_done = !o_.outage_at;
  for (;;) {
    int sig = 0;
    if (wait_signal(signals_, 200, &sig)) {
      if (!live_screen_) print(std::string("continuum up: ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ", stopping");
      break;
    }
    double elapsed = monotonic_s() - started_;
    if (o_.run_for && elapsed * 1000 >= double(o_.run_for->count())) break;
    if (broker_ && !outage_done) {
      double at = double(o_.outage_at->count()) / 1000, until = at + double(o_.outage_for->count()) / 1000;
      if (!outage_started && elapsed >= at) {
        outage_started = true;
        if (!live_screen_) print("broker outage: stopping the broker");
        broker_->stop();
        broker_up_ = false;
        outages_.push_back(seconds_text("stopped at", elapsed));
      } else if (outage_started && elapsed >= until) {
        outage_done = true;
        std::string error = broker_->start();
        broker_up_ = error.empty();
        if (!error.empty()) problems_.push_back("broker restart after the outage failed: " + error);
        outages_.back() += seconds_text(", started again at", monotonic_s() - started_);
        if (!live_screen_) print("broker outage: broker started again on the same port");
      }
    }
    for (auto& r : nodes_) {
      if (!r->failed && !r->process.running()) {
        r->failed = true;
        problems_.push_back("node " + r->section->id + " exited while running (status " +
                            std::to_string(r->process.exit_status()) + "), see " + r->log_path);
        if (!live_screen_) print("error: " + problems_.back());
      }
    }
    if (api_url_.empty()) {
      for (auto& r : nodes_) {
        api_url_ = find_api_url(r->log_path);
        if (!api_url_.empty()) {
          if (!live_screen_) print("API: " + api_url_);
          break;
        }
      }
    }
    if (!api_url_.empty() && dashboard_.empty()) {
      // Printed right after the API line, by the same node.
      for (auto& r : nodes_) {
        dashboard_ = find_dashboard(r->log_path);
        if (!dashboard_.empty()) {
          if (!live_screen_) print("dashboard: " + dashboard_);
          break;
        }
      }
    }
    if (monotonic_s() >= next_render) {
      next_render += render_every;
      LiveState s = live_state(elapsed);
      if (!outage_done && outage_started) s.note = "broker outage in progress (fault injection)";
      if (live_screen_) {
        std::printf("\x1b[H\x1b[2J%s", render_live_screen(s).c_str());
        std::fflush(stdout);
      } else {
        print(render_live_line(s));
      }
    }
  }
  ended_ = monotonic_s();
  // A deployment stopped in the middle of an outage gets its broker back, so
  // that the nodes can flush their outboxes.
  if (broker_ && !broker_up_) {
    std::string error = broker_->start();
    broker_up_ = error.empty();
    if (outages_.size()) outages_.back() += ", started again at shutdown";
  }
}

void Run::stop_tier(int rank) {
  std::vector<RunningNode*> tier;
  for (auto& r : nodes_)
    if (tier_rank(r->section->tier) == rank && r->process.running()) tier.push_back(r.get());
  for (RunningNode* r : tier) r->process.signal(SIGTERM);
  // A node drains its queues and flushes its outbox, each bounded by its
  // shutdown_timeout; allow both plus a margin before SIGKILL.
  for (RunningNode* r : tier) {
    int bound = int(2 * r->section->config.shutdown_timeout.count()) + 15000;
    if (!r->process.wait_exit(bound)) {
      problems_.push_back("node " + r->section->id + " did not stop within " + std::to_string(bound / 1000) +
                          " s of SIGTERM; killed");
      r->process.stop(0);
    }
  }
}

// After the edges and the fog flushed their outboxes to the broker, the
// ingest node needs a moment to store what is still on its way. Wait until
// every checked series is complete, or nothing new arrived for 3 s (bounded).
void Run::wait_for_store_catch_up() {
  if (!store_) return;
  double start = monotonic_s(), last_progress = start;
  uint64_t last_rows = store_->total_rows();
  while (monotonic_s() - start < 30 && monotonic_s() - last_progress < 3) {
    bool complete = true;
    for (const StageResult& r : collect_stage_results(d_, {}, *store_)) {
      if (!r.all_published || r.lost == 0) continue;
      // Only the series of nodes that already stopped can be complete.
      for (auto& n : nodes_)
        if (n->section->id == r.node && !n->process.running()) complete = false;
    }
    if (complete) return;
    timespec ts{0, 200 * 1000 * 1000};
    nanosleep(&ts, nullptr);
    uint64_t rows = store_->total_rows();
    if (rows != last_rows) {
      last_rows = rows;
      last_progress = monotonic_s();
    }
  }
}

void Run::stop_everything() {
  last_figures_ = monitor_.nodes();
  stop_tier(2);
  stop_tier(1);
  wait_for_store_catch_up();
  last_figures_ = monitor_.nodes();
  stop_tier(0);
  monitor_.stop();
  for (auto& r : robots_) r->stop();
  for (auto& s : soil_) s->stop();
  if (broker_) broker_->stop();
}

FinalSummary Run::final_summary() {
  FinalSummary s;
  s.deployment = d_.name;
  s.run_dir = b_.run_dir;
  s.duration_s = ended_ - started_;
  for (auto& r : nodes_) s.node_exit[r->section->id] = r->process.exit_status();
  if (store_) {
    s.stages = collect_stage_results(d_, last_figures_, *store_);
    s.end_to_end = percentiles(store_->latencies_since(0));
    for (auto& [leg, values] : store_->hop_latencies()) s.hops[leg] = percentiles(values);
    s.rows_total = store_->total_rows();
  }
  for (const StageResult& r : s.stages) {
    s.lost += r.lost;
    s.stored_twice += r.stored_twice;
  }
  for (auto& soil : soil_) s.soil.push_back(soil->snapshot());
  for (auto& robot : robots_) s.robots.push_back(robot->snapshot());
  s.broker_outages = outages_;
  s.problems = problems_;
  s.ok = problems_.empty();
  return s;
}

int Run::execute() {
  // Block the stop signals before any thread starts: every thread inherits
  // the mask, and the signals wait for sigtimedwait in the main loop.
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGINT);
  sigaddset(&signals_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
  live_screen_ = o_.live == 1 || (o_.live < 0 && isatty(STDOUT_FILENO));

  std::string error;
  if (!start_everything(&error)) {
    std::fprintf(stderr, "error: %s\n", error.c_str());
    std::fprintf(stderr, "continuum up: stopping what was started\n");
    ended_ = started_ = monotonic_s();
    stop_everything();
    return 1;
  }
  if (o_.run_for) print("running for " + std::to_string(o_.run_for->count() / 1000.0).substr(0, 5) + " s");
  watch();
  if (live_screen_) std::printf("\n");
  print("continuum up: stopping (edges, fog, then cloud; simulators; broker)");
  stop_everything();
  FinalSummary summary = final_summary();
  std::printf("%s", summary_text(summary).c_str());
  std::fflush(stdout);
  if (!o_.summary_json.empty()) {
    if (!write_file(o_.summary_json, summary_json(summary))) {
      std::fprintf(stderr, "error: cannot write the summary to %s\n", o_.summary_json.c_str());
      return 1;
    }
    print("summary: " + o_.summary_json);
  }
  return summary.ok ? 0 : 1;
}

}  // namespace

bool parse_outage(const std::string& text, Millis* at, Millis* duration) {
  std::size_t plus = text.find('+');
  if (plus == std::string::npos) return false;
  std::optional<Millis> a = agent::parse_duration(text.substr(0, plus));
  std::optional<Millis> d = agent::parse_duration(text.substr(plus + 1));
  if (!a || !d || d->count() <= 0) return false;
  *at = *a;
  *duration = *d;
  return true;
}

int run_up(const UpOptions& o) {
  agent::EnvLookup env = agent::process_environment();
  std::string error;
  std::optional<Deployment> head = read_deployment_head(o.deployment, env, &error);
  if (!head) {
    std::fprintf(stderr, "error: %s\n", error.c_str());
    return 2;
  }
  if (o.outage_at && !head->broker.managed) {
    std::fprintf(stderr, "error: --broker-outage needs the broker `continuum up` starts itself (%s has a [broker])\n",
                 o.deployment.c_str());
    return 2;
  }
  std::string exe = o.node_binary.empty() ? self_exe() : o.node_binary;
  Bindings b;
  b.modules_dir = resolve_modules_dir(o.modules_dir, exe);
  b.run_dir = o.check ? "/nonexistent/run-dir" : fs::absolute(o.run_dir.empty() ? default_run_dir() : o.run_dir).string();
  b.broker_host = head->broker.managed ? "127.0.0.1" : head->broker.host;
  b.broker_port = head->broker.managed ? (o.check ? 1883 : free_loopback_port()) : head->broker.port;
  b.pick_port = o.check ? nullptr : &free_loopback_port;
  // Ports and paths are decided before anything starts, so that every node
  // config can be generated and checked first: a bad file starts nothing.
  for (const SimulatorSettings& s : head->simulators) {
    int port = s.kind == "soil" ? (s.soil.port ? s.soil.port : (o.check ? 1502 : free_loopback_port())) : 0;
    bind_simulator(s, b.run_dir + "/" + s.name + ".tty", port, &b);
  }
  Deployment d = *head;
  if (!generate_nodes(o.deployment, env, b, &d, &error)) {
    std::fprintf(stderr, "error: %s\n", error.c_str());
    return 2;
  }
  if (o.check) {
    std::printf("%s: deployment %s: %s broker, %zu simulator(s), %zu node(s), modules from %s\n", o.deployment.c_str(),
                d.name.c_str(), d.broker.managed ? "managed" : "existing", d.simulators.size(), d.nodes.size(),
                b.modules_dir.c_str());
    for (const NodeSection& n : d.nodes)
      std::printf("  node %s (%s): %zu stage(s), %zu device(s)%s\n", n.id.c_str(), n.tier.c_str(),
                  n.config.stages.size(), n.config.devices.size(), n.config.ingest.enabled ? ", ingest" : "");
    return 0;
  }
  Run run(o, std::move(d), std::move(b));
  return run.execute();
}

}  // namespace continuum::node::up
