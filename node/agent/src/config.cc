// Reading the node's TOML file into NodeConfig, with errors that name the
// file, the key and what was expected. Every table checks that it has no keys
// besides the known ones, so a typo is an error rather than a silent default.
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "continuum/node/agent/config.h"

namespace continuum::node::agent {
namespace {

// Collects the first error; later checks become no-ops once one failed.
struct Problems {
  std::string file;
  std::string first;
  bool fail(const std::string& key, const std::string& what) {
    if (first.empty()) first = file + ": " + key + ": " + what;
    return false;
  }
  bool ok() const { return first.empty(); }
};

std::string join_key(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

// One TOML table being read: typed getters that record problems, and a final
// check for keys nobody asked about.
class Table {
 public:
  Table(const toml::table& table, std::string path, Problems& problems)
      : table_(table), path_(std::move(path)), problems_(problems) {}

  std::string key(const std::string& k) const { return join_key(path_, k); }
  const toml::node* get(const std::string& k) {
    seen_.insert(k);
    return table_.get(k);
  }
  bool has(const std::string& k) { return get(k) != nullptr; }

  std::optional<std::string> string(const std::string& k, const std::string& expected, bool required) {
    const toml::node* n = get(k);
    if (!n) {
      if (required) problems_.fail(key(k), "missing; expected " + expected);
      return std::nullopt;
    }
    if (!n->is_string()) {
      problems_.fail(key(k), "expected " + expected);
      return std::nullopt;
    }
    return n->value<std::string>();
  }
  void string_into(const std::string& k, std::string* out, const std::string& expected = "a string") {
    if (auto v = string(k, expected, false)) *out = *v;
  }
  template <typename Int>
  void integer_into(const std::string& k, Int* out, long long min, long long max) {
    const toml::node* n = get(k);
    if (!n) return;
    if (!n->is_integer()) {
      problems_.fail(key(k), "expected an integer");
      return;
    }
    long long v = *n->value<long long>();
    if (v < min || v > max) {
      problems_.fail(key(k), "expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
      return;
    }
    *out = static_cast<Int>(v);
  }
  void number_into(const std::string& k, double* out) {
    const toml::node* n = get(k);
    if (!n) return;
    if (!n->is_number()) {
      problems_.fail(key(k), "expected a number");
      return;
    }
    *out = *n->value<double>();
  }
  void boolean_into(const std::string& k, bool* out) {
    const toml::node* n = get(k);
    if (!n) return;
    if (!n->is_boolean()) {
      problems_.fail(key(k), "expected true or false");
      return;
    }
    *out = *n->value<bool>();
  }
  void duration_into(const std::string& k, Millis* out) {
    std::optional<std::string> text = string(k, "a duration such as \"250ms\" or \"10s\"", false);
    if (!text) return;
    std::optional<Millis> d = parse_duration(*text);
    if (!d) {
      problems_.fail(key(k), "expected a duration such as \"250ms\" or \"10s\", got \"" + *text + "\"");
      return;
    }
    *out = *d;
  }
  void strings_into(const std::string& k, std::vector<std::string>* out) {
    const toml::node* n = get(k);
    if (!n) return;
    const toml::array* a = n->as_array();
    if (!a) {
      problems_.fail(key(k), "expected an array of strings");
      return;
    }
    for (std::size_t i = 0; i < a->size(); ++i) {
      if (!(*a)[i].is_string()) {
        problems_.fail(key(k) + "[" + std::to_string(i) + "]", "expected a string");
        return;
      }
      out->push_back(*(*a)[i].value<std::string>());
    }
  }
  // A sub-table; nullopt (and a problem) when present but not a table.
  std::optional<Table> table(const std::string& k) {
    const toml::node* n = get(k);
    if (!n) return std::nullopt;
    if (!n->is_table()) {
      problems_.fail(key(k), "expected a table");
      return std::nullopt;
    }
    return Table(*n->as_table(), key(k), problems_);
  }
  // Every key not read by a getter is unknown.
  void reject_unknown() {
    for (const auto& [k, v] : table_) {
      (void)v;
      std::string name(k.str());
      if (!seen_.count(name)) problems_.fail(key(name), "unknown key");
    }
  }
  const toml::table& raw() const { return table_; }
  const std::string& path() const { return path_; }
  Problems& problems() { return problems_; }

 private:
  const toml::table& table_;
  std::string path_;
  Problems& problems_;
  std::set<std::string> seen_;
};

// Array of tables ([[stages]]): each element, or a problem.
template <typename Fn>
void each_table(Table& parent, const std::string& k, Fn fn) {
  const toml::node* n = parent.get(k);
  if (!n) return;
  const toml::array* a = n->as_array();
  if (!a) {
    parent.problems().fail(parent.key(k), "expected an array of tables ([[" + k + "]])");
    return;
  }
  for (std::size_t i = 0; i < a->size(); ++i) {
    std::string path = parent.key(k) + "[" + std::to_string(i) + "]";
    if (!(*a)[i].is_table()) {
      parent.problems().fail(path, "expected a table");
      return;
    }
    Table t(*(*a)[i].as_table(), path, parent.problems());
    fn(t, i);
  }
}

bool valid_id(const std::string& id) {
  if (id.empty()) return false;
  for (char c : id) {
    if (c == '/' || c == '+' || c == '#' || c == '.' || c == ' ') return false;
  }
  return true;
}

std::string resolve(const std::string& base_dir, const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_absolute() || base_dir.empty()) return p.lexically_normal().string();
  return (std::filesystem::path(base_dir) / p).lexically_normal().string();
}

void read_node(Table& root, NodeConfig& c, const std::string& base_dir) {
  std::optional<Table> node = root.table("node");
  if (!node) {
    if (root.problems().ok()) root.problems().fail("node", "missing table [node] (with at least id)");
    return;
  }
  if (auto id = node->string("id", "a string (the node id, no '/', '+', '#', '.')", true)) {
    if (!valid_id(*id)) node->problems().fail(node->key("id"), "expected a node id without '/', '+', '#', '.' or spaces");
    c.id = *id;
  }
  node->string_into("tier", &c.tier, "a string (edge, fog, cloud: a label)");
  std::string data_dir = "data/" + c.id;
  node->string_into("data_dir", &data_dir, "a string (directory for the outbox and state)");
  c.data_dir = resolve(base_dir, data_dir);
  node->duration_into("heartbeat", &c.heartbeat);
  node->duration_into("shutdown_timeout", &c.shutdown_timeout);
  node->reject_unknown();
}

void read_mqtt(Table& root, NodeConfig& c, const std::string& base_dir) {
  std::optional<Table> t = root.table("mqtt");
  if (!t) return;
  MqttSettings& m = c.mqtt;
  m.enabled = true;
  t->boolean_into("enabled", &m.enabled);
  t->string_into("host", &m.mqtt.host);
  t->integer_into("port", &m.mqtt.port, 1, 65535);
  t->string_into("username", &m.mqtt.username);
  t->string_into("password", &m.mqtt.password);
  t->integer_into("max_payload", &m.max_payload, 64, 256LL * 1024 * 1024);
  Millis keepalive{30000};
  t->duration_into("keepalive", &keepalive);
  m.mqtt.keepalive_s = static_cast<int>(std::max<long long>(5, keepalive.count() / 1000));
  Millis reconnect_max{30000};
  t->duration_into("reconnect_max", &reconnect_max);
  m.mqtt.reconnect_delay_max_s = static_cast<unsigned>(std::max<long long>(1, reconnect_max.count() / 1000));
  // A persistent session: the broker keeps the subscriptions and queues QoS 1
  // messages while the node is away (an ingest node loses nothing published
  // while it reconnects); with a persisting broker this survives its restart.
  Millis session_expiry{0};
  t->duration_into("session_expiry", &session_expiry);
  if (session_expiry.count() > 0) {
    m.mqtt.clean_start = false;
    m.mqtt.session_expiry_s = static_cast<uint32_t>(std::max<long long>(1, session_expiry.count() / 1000));
  }
  if (std::optional<Table> tls = t->table("tls")) {
    adapters::MqttTls settings;
    tls->string_into("ca_file", &settings.ca_file);
    tls->string_into("ca_path", &settings.ca_path);
    tls->string_into("cert_file", &settings.cert_file);
    tls->string_into("key_file", &settings.key_file);
    for (std::string* f : {&settings.ca_file, &settings.ca_path, &settings.cert_file, &settings.key_file}) {
      if (!f->empty()) *f = resolve(base_dir, *f);
    }
    if (settings.ca_file.empty() && settings.ca_path.empty())
      tls->problems().fail(tls->key("ca_file"), "missing; expected a string (PEM CA file) or ca_path");
    tls->reject_unknown();
    m.mqtt.tls = settings;
  }
  t->reject_unknown();
}

void read_outbox(Table& root, NodeConfig& c, const std::string& base_dir) {
  c.outbox.path = (std::filesystem::path(c.data_dir) / "outbox.db").string();
  std::optional<Table> t = root.table("outbox");
  if (!t) return;
  std::string path;
  t->string_into("path", &path);
  if (!path.empty()) c.outbox.path = resolve(base_dir, path);
  t->integer_into("capacity", &c.outbox.capacity, 1, 1'000'000'000);
  t->integer_into("window", &c.outbox.window, 1, 1000);
  t->integer_into("batch", &c.outbox.batch, 1, 256);  // kMaxBatchReadings
  std::string overflow;
  t->string_into("overflow", &overflow, "one of \"drop-oldest\", \"drop-newest\", \"block\"");
  if (overflow == "drop-oldest") c.outbox.policy = OverflowPolicy::kDropOldest;
  else if (overflow == "drop-newest") c.outbox.policy = OverflowPolicy::kDropNewest;
  else if (overflow == "block") c.outbox.policy = OverflowPolicy::kBlock;
  else if (!overflow.empty())
    t->problems().fail(t->key("overflow"), "expected one of \"drop-oldest\", \"drop-newest\", \"block\"");
  std::string sync;
  t->string_into("sync", &sync, "\"full\" or \"normal\"");
  if (sync == "full") c.outbox.sync_full = true;
  else if (!sync.empty() && sync != "normal") t->problems().fail(t->key("sync"), "expected \"full\" or \"normal\"");
  t->reject_unknown();
}

void read_ingest(Table& root, NodeConfig& c, const std::string& base_dir) {
  std::optional<Table> t = root.table("ingest");
  if (!t) return;
  IngestSettings& in = c.ingest;
  in.enabled = true;
  t->boolean_into("enabled", &in.enabled);
  t->string_into("share_group", &in.share_group);
  t->string_into("backend", &in.storage.backend, "\"sqlite\" or \"influx\"");
  if (in.storage.backend != "sqlite" && in.storage.backend != "influx")
    t->problems().fail(t->key("backend"), "expected \"sqlite\" or \"influx\"");
  std::string sqlite_path = (std::filesystem::path(c.data_dir) / "readings.db").string();
  t->string_into("sqlite_path", &sqlite_path);
  in.storage.sqlite_path = resolve(base_dir, sqlite_path);
  Millis retention{0};
  t->duration_into("retention", &retention);
  in.storage.retention_ms = retention.count();
  t->duration_into("retention_every", &in.retention_every);
  if (std::optional<Table> influx = t->table("influx")) {
    adapters::InfluxConfig& ic = in.storage.influx;
    influx->string_into("host", &ic.host);
    influx->integer_into("port", &ic.port, 1, 65535);
    influx->string_into("database", &ic.database);
    influx->string_into("measurement", &ic.measurement);
    influx->string_into("username", &ic.username);
    influx->string_into("password", &ic.password);
    Millis timeout{ic.timeout_ms};
    influx->duration_into("timeout", &timeout);
    ic.timeout_ms = static_cast<int>(timeout.count());
    influx->reject_unknown();
  }
  t->reject_unknown();
}

void read_http(Table& root, NodeConfig& c, const std::string& base_dir) {
  std::optional<Table> t = root.table("http");
  if (!t) return;
  c.http.enabled = true;
  t->boolean_into("enabled", &c.http.enabled);
  t->string_into("host", &c.http.host, "a string (an address of this host, e.g. \"127.0.0.1\" or \"0.0.0.0\")");
  t->integer_into("port", &c.http.port, 0, 65535);
  HttpSettings& h = c.http;
  t->string_into("admin_password", &h.admin_password, "a string (the administrator password)");
  t->string_into("admin_password_hash", &h.admin_password_hash, "a string (from `continuum hash-password`)");
  std::string file;
  t->string_into("admin_password_file", &file, "a string (a file whose first line is the password)");
  if (!file.empty()) h.admin_password_file = resolve(base_dir, file);
  if (!h.admin_password.empty() + !h.admin_password_hash.empty() + !h.admin_password_file.empty() > 1)
    t->problems().fail(t->key("admin_password"),
                       "expected at most one of admin_password, admin_password_hash and admin_password_file");
  t->string_into("api_token", &h.api_token, "a string (the API token, at least 16 characters)");
  if (!h.api_token.empty() && h.api_token.size() < 16)
    t->problems().fail(t->key("api_token"), "expected at least 16 characters (e.g. from openssl rand -hex 32)");
  file.clear();
  t->string_into("api_token_file", &file, "a string (a file whose first line is the API token)");
  if (!file.empty()) h.api_token_file = resolve(base_dir, file);
  t->string_into("read_access", &h.read_access, "\"public\" or \"signed-in\"");
  if (!h.read_access.empty() && h.read_access != "public" && h.read_access != "signed-in")
    t->problems().fail(t->key("read_access"), "expected \"public\" or \"signed-in\"");
  t->duration_into("session_ttl", &h.session_ttl);
  if (h.session_ttl.count() < 1000) t->problems().fail(t->key("session_ttl"), "expected a duration of at least 1s");
  t->boolean_into("cookie_secure", &h.cookie_secure);
  std::string web_root;
  t->string_into("web_root", &web_root, "a string (the directory of the dashboard's files, web/dist)");
  if (!web_root.empty()) h.web_root = resolve(base_dir, web_root);
  t->reject_unknown();
}

void read_supervisor(Table& root, NodeConfig& c) {
  std::optional<Table> t = root.table("supervisor");
  if (!t) return;
  t->duration_into("backoff_min", &c.supervisor.backoff_min);
  t->duration_into("backoff_max", &c.supervisor.backoff_max);
  t->integer_into("refusal_storm", &c.supervisor.refusal_storm, 1, 1'000'000'000);
  if (c.supervisor.backoff_min.count() <= 0 || c.supervisor.backoff_max < c.supervisor.backoff_min)
    t->problems().fail(t->key("backoff_max"), "expected backoff_min > 0 and backoff_max >= backoff_min");
  t->reject_unknown();
}

void read_update(Table& root, NodeConfig& c) {
  std::optional<Table> t = root.table("update");
  if (!t) return;
  t->integer_into("health_messages", &c.update.health_messages, 1, 1'000'000'000);
  t->duration_into("health_window", &c.update.health_window);
  if (c.update.health_window.count() <= 0) t->problems().fail(t->key("health_window"), "expected a duration > 0");
  t->reject_unknown();
}

void read_migration(Table& root, NodeConfig& c, const std::string& base_dir) {
  std::optional<Table> t = root.table("migration");
  if (!t) return;
  t->boolean_into("accept", &c.migration.accept);
  t->duration_into("timeout", &c.migration.timeout);
  if (c.migration.timeout.count() <= 0) t->problems().fail(t->key("timeout"), "expected a duration > 0");
  t->duration_into("snapshot_every", &c.migration.snapshot_every);
  if (std::optional<Table> native = t->table("native")) {
    for (const auto& [k, v] : native->raw()) {
      std::string stage(k.str());
      std::optional<std::string> path = native->string(stage, "a string (path of the stage's native .so build)", true);
      if (path) c.migration.native[stage] = resolve(base_dir, *path);
    }
  }
  t->reject_unknown();
}

void read_placement(Table& root, NodeConfig& c) {
  std::optional<Table> t = root.table("placement");
  if (!t) return;
  c.placement.enabled = true;
  t->boolean_into("enabled", &c.placement.enabled);
  t->number_into("load_threshold", &c.placement.load_threshold);
  if (c.placement.load_threshold < 0)
    t->problems().fail(t->key("load_threshold"), "expected a percentage of one core >= 0 (0: no load-based moves)");
  t->duration_into("load_window", &c.placement.load_window);
  t->duration_into("cooldown", &c.placement.cooldown);
  t->number_into("load_margin", &c.placement.load_margin);
  if (c.placement.load_margin < 0 ||
      (c.placement.load_threshold > 0 && c.placement.load_margin >= c.placement.load_threshold))
    t->problems().fail(t->key("load_margin"), "expected a percentage >= 0 and under load_threshold");
  t->reject_unknown();
}

void read_trust(Table& root, NodeConfig& c, const std::string& base_dir) {
  std::optional<Table> t = root.table("trust");
  if (!t) return;
  std::string keys;
  t->string_into("keys", &keys, "a string (a .pub file or a directory of .pub files)");
  if (keys.empty()) t->problems().fail(t->key("keys"), "expected a .pub file or a directory of .pub files");
  else c.trust.keys = resolve(base_dir, keys);
  t->reject_unknown();
}

void read_registry(Table& root, NodeConfig& c, const std::string& base_dir) {
  c.registry.dir = (std::filesystem::path(c.data_dir) / "registry").string();
  std::optional<Table> t = root.table("registry");
  if (!t) return;
  c.registry.enabled = true;
  t->boolean_into("enabled", &c.registry.enabled);
  std::string dir, trust;
  t->string_into("dir", &dir, "a string (the registry's directory)");
  if (!dir.empty()) c.registry.dir = resolve(base_dir, dir);
  t->string_into("trust", &trust, "a string (a .pub file or a directory of .pub files)");
  // A registry that serves nodes takes only modules signed by a known key.
  if (trust.empty() && c.registry.enabled)
    t->problems().fail(t->key("trust"), "expected a .pub file or a directory of .pub files");
  else if (!trust.empty()) c.registry.trust = resolve(base_dir, trust);
  std::string key;
  t->string_into("signing_key", &key, "a string (an Ed25519 private key file, from `continuum keygen`)");
  c.registry.signing_key = key.empty() ? (std::filesystem::path(c.registry.dir) / "deploy.key").string()
                                       : resolve(base_dir, key);
  t->reject_unknown();
}

void read_device(Table& t, DeviceSettings& d, const std::string& base_dir) {
  if (auto name = t.string("name", "a string (device name)", true)) d.name = *name;
  if (auto kind = t.string("kind", "\"simulated\", \"modbus-tcp\" or \"serial\"", true)) d.kind = *kind;
  if (d.kind == "simulated") {
    if (std::optional<Table> sensors = t.table("sensors")) {
      for (const auto& [k, v] : sensors->raw()) {
        std::string name(k.str());
        double value = 0;
        sensors->number_into(name, &value);
        d.sim_sensors[name] = value;
      }
    }
    t.strings_into("actuators", &d.sim_actuators);
  } else if (d.kind == "modbus-tcp") {
    t.string_into("host", &d.host);
    t.integer_into("port", &d.port, 1, 65535);
    t.integer_into("unit", &d.unit, 0, 255);
    t.duration_into("timeout", &d.timeout);
    if (std::optional<Table> sensors = t.table("sensors")) {
      for (const auto& [k, v] : sensors->raw()) {
        std::string name(k.str());
        std::optional<Table> reg = sensors->table(name);
        if (!reg) {
          sensors->problems().fail(sensors->key(name), "expected a table { address = N, table = \"input\"|\"holding\", scale = X }");
          return;
        }
        ModbusSensorSettings s;
        if (!reg->has("address")) reg->problems().fail(reg->key("address"), "missing; expected an integer (register address)");
        reg->integer_into("address", &s.address, 0, 65535);
        reg->string_into("table", &s.table, "\"input\" or \"holding\"");
        if (s.table != "input" && s.table != "holding")
          reg->problems().fail(reg->key("table"), "expected \"input\" or \"holding\"");
        reg->number_into("scale", &s.scale);
        reg->boolean_into("signed", &s.is_signed);
        reg->reject_unknown();
        d.modbus_sensors[name] = s;
      }
    }
    if (std::optional<Table> coils = t.table("coils")) {
      for (const auto& [k, v] : coils->raw()) {
        std::string name(k.str());
        int address = 0;
        coils->integer_into(name, &address, 0, 65535);
        d.coils[name] = address;
      }
    }
  } else if (d.kind == "serial") {
    if (auto path = t.string("path", "a string (device path, e.g. /dev/ttyUSB0)", true)) d.path = resolve(base_dir, *path);
    t.integer_into("baud", &d.baud, 50, 4'000'000);
  } else if (!d.kind.empty()) {
    t.problems().fail(t.key("kind"), "expected \"simulated\", \"modbus-tcp\" or \"serial\"");
  }
  t.reject_unknown();
}

}  // namespace

bool parse_source(const std::string& text, SourceSettings* s) {
  s->text = text;
  std::size_t slash = text.find('/');
  if (slash != std::string::npos) {
    std::size_t slash2 = text.find('/', slash + 1);
    if (slash2 == std::string::npos || text.find('/', slash2 + 1) != std::string::npos) return false;
    s->remote = true;
    s->node = text.substr(0, slash);
    s->stage = text.substr(slash + 1, slash2 - slash - 1);
    s->port = text.substr(slash2 + 1);
    return valid_id(s->node) && valid_id(s->stage) && valid_id(s->port);
  }
  std::size_t dot = text.find('.');
  if (dot == std::string::npos || text.find('.', dot + 1) != std::string::npos) return false;
  s->stage = text.substr(0, dot);
  s->port = text.substr(dot + 1);
  return valid_id(s->stage) && valid_id(s->port);
}

namespace {

void read_stage(Table& t, StageSettings& s, const std::string& base_dir) {
  if (auto name = t.string("name", "a string (stage name)", true)) {
    if (!valid_id(*name)) t.problems().fail(t.key("name"), "expected a name without '/', '+', '#', '.' or spaces");
    s.name = *name;
  }
  if (auto module = t.string("module", "a string (path to .wasm or .so)", true)) {
    s.module = resolve(base_dir, *module);
    if (!std::filesystem::is_regular_file(s.module))
      t.problems().fail(t.key("module"), "no such file: " + s.module);
  }
  t.strings_into("grants", &s.grants);
  t.strings_into("limits", &s.limits);
  if (t.has("tick")) {
    Millis tick{0};
    t.duration_into("tick", &tick);
    if (tick.count() <= 0) t.problems().fail(t.key("tick"), "expected a duration above 0");
    s.tick = tick;
  }
  t.integer_into("queue", &s.queue, 1, 1'000'000);
  t.integer_into("fuel", &s.fuel, 1, 1LL << 60);
  t.integer_into("memory_bytes", &s.memory_bytes, 64 * 1024, 1LL << 40);
  if (std::optional<Table> config = t.table("config")) {
    // Values reach the module as text; numbers and booleans as TOML writes them.
    for (const auto& [k, v] : config->raw()) {
      std::string name(k.str());
      const toml::node* n = config->get(name);
      std::ostringstream text;
      if (n->is_string()) text << *n->value<std::string>();
      else if (n->is_integer()) text << *n->value<long long>();
      else if (n->is_floating_point()) text << *n->value<double>();
      else if (n->is_boolean()) text << (*n->value<bool>() ? "true" : "false");
      else {
        config->problems().fail(config->key(name), "expected a string, number or boolean");
        continue;
      }
      s.config[name] = text.str();
    }
  }
  if (std::optional<Table> inputs = t.table("inputs")) {
    for (const auto& [k, v] : inputs->raw()) {
      std::string port(k.str());
      std::vector<std::string> texts;
      const toml::node* n = inputs->get(port);
      if (n->is_string()) texts.push_back(*n->value<std::string>());
      else inputs->strings_into(port, &texts);
      for (const std::string& text : texts) {
        SourceSettings source;
        if (!parse_source(text, &source)) {
          inputs->problems().fail(inputs->key(port), "expected \"<stage>.<port>\" (this node) or \"<node>/<stage>/<port>\" (remote), got \"" + text + "\"");
          continue;
        }
        s.inputs[port].push_back(source);
      }
    }
  }
  if (const toml::node* p = t.get("publish")) {
    if (p->is_boolean()) {
      s.publish_all = *p->value<bool>();
    } else if (p->is_array()) {
      s.publish_all = false;
      t.strings_into("publish", &s.publish);
    } else {
      t.problems().fail(t.key("publish"), "expected true, false or an array of output port names");
    }
  }
  t.reject_unknown();
}

// Cross-references: unique names, local sources naming stages that exist.
void check_references(NodeConfig& c, Problems& problems) {
  std::set<std::string> names;
  for (std::size_t i = 0; i < c.stages.size(); ++i) {
    if (!names.insert(c.stages[i].name).second)
      problems.fail("stages[" + std::to_string(i) + "].name", "duplicate stage name \"" + c.stages[i].name + "\"");
  }
  for (std::size_t i = 0; i < c.stages.size(); ++i) {
    for (const auto& [port, sources] : c.stages[i].inputs) {
      for (const SourceSettings& s : sources) {
        if (!s.remote && !names.count(s.stage))
          problems.fail("stages[" + std::to_string(i) + "].inputs." + port,
                        "no stage \"" + s.stage + "\" on this node (remote sources are \"<node>/<stage>/<port>\")");
        if (s.remote && !c.mqtt.enabled)
          problems.fail("stages[" + std::to_string(i) + "].inputs." + port,
                        "remote source \"" + s.text + "\" needs an [mqtt] table");
      }
    }
  }
  std::set<std::string> devices;
  for (std::size_t i = 0; i < c.devices.size(); ++i) {
    if (!devices.insert(c.devices[i].name).second)
      problems.fail("devices[" + std::to_string(i) + "].name", "duplicate device name \"" + c.devices[i].name + "\"");
  }
  if (c.ingest.enabled && !c.mqtt.enabled) problems.fail("ingest", "ingest needs an [mqtt] table (it subscribes to data)");
  if (c.http.enabled && !c.mqtt.enabled)
    problems.fail("http", "the HTTP API needs an [mqtt] table (it learns about nodes from their status and heartbeats)");
  if (c.placement.enabled && !c.mqtt.enabled)
    problems.fail("placement", "placement needs an [mqtt] table (it watches the fleet and moves stages over MQTT)");
  if (c.registry.enabled && !c.mqtt.enabled)
    problems.fail("registry", "the registry needs an [mqtt] table (it serves modules over the OTA transfer topics)");
}

}  // namespace

std::optional<NodeConfig> parse_node_config(const std::string& text, const std::string& source_name,
                                            const std::string& base_dir, const EnvLookup& env,
                                            std::string* error) {
  std::string expanded, why;
  if (!substitute_variables(text, env, &expanded, &why)) {
    *error = source_name + ": " + why;
    return std::nullopt;
  }
  toml::parse_result parsed = toml::parse(expanded, source_name);
  if (!parsed) {
    const toml::parse_error& e = parsed.error();
    *error = source_name + ": line " + std::to_string(e.source().begin.line) + ": " + std::string(e.description());
    return std::nullopt;
  }
  Problems problems{source_name, {}};
  Table root(parsed.table(), "", problems);
  NodeConfig c;
  c.source = source_name;
  read_node(root, c, base_dir);
  read_mqtt(root, c, base_dir);
  read_outbox(root, c, base_dir);
  read_ingest(root, c, base_dir);
  read_http(root, c, base_dir);
  read_supervisor(root, c);
  read_update(root, c);
  read_trust(root, c, base_dir);
  read_registry(root, c, base_dir);
  read_migration(root, c, base_dir);
  read_placement(root, c);
  each_table(root, "devices", [&](Table& t, std::size_t) {
    c.devices.emplace_back();
    read_device(t, c.devices.back(), base_dir);
  });
  each_table(root, "stages", [&](Table& t, std::size_t) {
    c.stages.emplace_back();
    read_stage(t, c.stages.back(), base_dir);
  });
  root.reject_unknown();
  if (problems.ok()) check_references(c, problems);
  if (!problems.ok()) {
    *error = problems.first;
    return std::nullopt;
  }
  return c;
}

std::optional<NodeConfig> load_node_config(const std::string& path, const EnvLookup& env, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  std::string name = std::filesystem::path(path).filename().string();
  if (!in) {
    *error = path + ": cannot read the file";
    return std::nullopt;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string base = std::filesystem::absolute(path).parent_path().string();
  return parse_node_config(buffer.str(), name, base, env, error);
}

}  // namespace continuum::node::agent
