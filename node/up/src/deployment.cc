// Reading a deployment file: the head ([deployment], [broker],
// [[simulators]]) first, then, once `up` knows ports and paths, every
// [[nodes]] entry resolved, completed and checked by the node config reader.
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "continuum/node/up/deployment.h"

namespace continuum::node::up {
namespace {

namespace fs = std::filesystem;

bool read_text(const std::string& path, std::string* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot read the deployment file";
    return false;
  }
  std::ostringstream s;
  s << in.rdbuf();
  *out = s.str();
  return true;
}

bool is_deployment_reference(const std::string& name) {
  return name == "modules" || name == "run_dir" || name.rfind("broker.", 0) == 0 || name.rfind("sim.", 0) == 0 ||
         name.rfind("port:", 0) == 0;
}

// Replaces the deployment references; everything else (${VAR}, ${VAR:-x}) is
// left for the environment substitution that follows. lookup returns nullopt
// for an unknown reference.
template <typename Lookup>
bool substitute_references(const std::string& text, Lookup lookup, std::string* out, std::string* error) {
  out->clear();
  int line = 1;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '\n') ++line;
    if (text.compare(i, 2, "${") != 0) {
      out->push_back(text[i++]);
      continue;
    }
    std::size_t close = text.find('}', i + 2);
    std::string name = close == std::string::npos ? "" : text.substr(i + 2, close - i - 2);
    if (close == std::string::npos || !is_deployment_reference(name)) {
      out->push_back(text[i++]);
      continue;
    }
    std::optional<std::string> value = lookup(name);
    if (!value) {
      *error = "line " + std::to_string(line) + ": ${" + name +
               "} is not a known reference (expected ${modules}, ${run_dir}, ${broker.host}, ${broker.port}, "
               "${sim.<name>.<key>} of a declared simulator, or ${port:<label>})";
      return false;
    }
    *out += *value;
    i = close + 1;
  }
  return true;
}

// References, then environment variables, then TOML.
bool parse_text(const std::string& path, const std::string& text, const agent::EnvLookup& env,
                const std::function<std::optional<std::string>(const std::string&)>& lookup,
                toml::table* root, std::string* error) {
  std::string resolved, expanded;
  if (!substitute_references(text, lookup, &resolved, error) ||
      !agent::substitute_variables(resolved, env, &expanded, error)) {
    *error = path + ": " + *error;
    return false;
  }
  toml::parse_result parsed = toml::parse(expanded, path);
  if (!parsed) {
    const toml::parse_error& e = parsed.error();
    *error = path + ": line " + std::to_string(e.source().begin.line) + ": " + std::string(e.description());
    return false;
  }
  *root = std::move(parsed).table();
  return true;
}

// Typed reads from one table that remember the first problem.
class Reader {
 public:
  Reader(const toml::table& t, std::string path, std::string* error) : t_(t), path_(std::move(path)), error_(error) {}
  std::string key(const std::string& k) const { return path_.empty() ? k : path_ + "." + k; }
  void fail(const std::string& k, const std::string& what) {
    if (error_->empty()) *error_ = key(k) + ": " + what;
  }
  void string(const std::string& k, std::string* out, bool required = false) {
    seen_.insert(k);
    const toml::node* n = t_.get(k);
    if (!n) {
      if (required) fail(k, "missing; expected a string");
      return;
    }
    if (auto v = n->value<std::string>()) *out = *v; else fail(k, "expected a string");
  }
  void number(const std::string& k, double* out, double min, double max) {
    seen_.insert(k);
    const toml::node* n = t_.get(k);
    if (!n) return;
    std::optional<double> v = n->value<double>();  // integers convert too
    if (!v) return fail(k, "expected a number");
    if (*v < min || *v > max) return fail(k, "expected a number from " + num(min) + " to " + num(max));
    *out = *v;
  }
  template <typename Int>
  void integer(const std::string& k, Int* out, long long min, long long max) {
    seen_.insert(k);
    const toml::node* n = t_.get(k);
    if (!n) return;
    std::optional<int64_t> v = n->is_integer() ? n->value<int64_t>() : std::nullopt;
    if (!v || *v < min || *v > max)
      return fail(k, "expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
    *out = static_cast<Int>(*v);
  }
  void mark(const std::string& k) { seen_.insert(k); }
  void reject_unknown() {
    for (const auto& [k, v] : t_) {
      if (!seen_.count(std::string(k.str()))) fail(std::string(k.str()), "unknown key");
    }
  }

 private:
  static std::string num(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
  }
  const toml::table& t_;
  std::string path_;
  std::string* error_;
  std::set<std::string> seen_;
};

bool valid_name(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

void read_simulator(const toml::table& t, const std::string& path, SimulatorSettings* s, std::string* error) {
  Reader r(t, path, error);
  r.string("name", &s->name, true);
  r.string("kind", &s->kind, true);
  if (!error->empty()) return;
  if (!valid_name(s->name)) return r.fail("name", "expected letters, digits, '-' or '_' (it is used in ${sim.<name>.<key>})");
  if (s->kind == "soil") {
    SoilSimSettings& o = s->soil;
    r.integer("fields", &o.fields, 1, 56);
    r.integer("sensors", &o.sensors, 1, 8);
    r.integer("seed", &o.seed, 0, INT64_MAX);
    r.number("speed", &o.speed, 0.001, 1e6);
    r.number("start_hour", &o.start_hour, 0, 24);
    r.number("initial_moisture", &o.initial_moisture, 0.01, 0.6);
    r.number("et0_mm_per_day", &o.et0_mm_per_day, 0, 50);
    r.number("pump_flow_l_per_min", &o.pump_flow_l_per_min, 0, 1e5);
    r.number("area_m2", &o.area_m2, 0.01, 1e7);
    r.number("rain_per_day", &o.rain_per_day, 0, 100);
    r.integer("port", &o.port, 0, 65535);
  } else if (s->kind == "krc2") {
    Krc2SimSettings& o = s->krc2;
    r.integer("baud", &o.baud, 1200, 921600);
    r.number("safety_mm", &o.safety_mm, 0, 1e5);
    r.number("closest_mm", &o.closest_mm, 0, 1e5);
    r.number("period_s", &o.period_s, 0.1, 1e5);
    r.number("swing_deg", &o.swing_deg, 0, 180);
    r.integer("seed", &o.seed, 0, INT64_MAX);
    r.number("noise_rate", &o.noise_rate, 0, 1);
    r.number("drop_rate", &o.drop_rate, 0, 1);
    r.number("out_of_range_rate", &o.out_of_range_rate, 0, 1);
    r.number("resume_after_s", &o.resume_after_s, 0, 1e5);
    const char* k = "point";
    if (const toml::node* n = t.get(k)) {
      const toml::array* a = n->as_array();
      bool ok = a && a->size() == 3;
      for (std::size_t i = 0; ok && i < 3; ++i) {
        std::optional<double> v = (*a)[i].value<double>();
        ok = v.has_value();
        if (ok) o.point[i] = *v;
      }
      if (!ok) r.fail(k, "expected three numbers [x, y, z] in mm");
    }
    r.mark(k);
  } else {
    return r.fail("kind", "expected \"soil\" or \"krc2\", got \"" + s->kind + "\"");
  }
  r.reject_unknown();
}

// Module paths and other files in a node section are relative to the
// deployment file; the generated config lives elsewhere, so make them absolute.
void absolutize(toml::table& node, const fs::path& base) {
  auto fix = [&](toml::node* n) {
    if (!n) return;
    if (auto* s = n->as_string()) {
      fs::path p(s->get());
      if (!p.empty() && p.is_relative()) *s = (base / p).lexically_normal().string();
    }
  };
  for (const char* list : {"stages", "devices"}) {
    if (toml::array* a = node[list].as_array()) {
      for (toml::node& e : *a) {
        if (toml::table* t = e.as_table()) {
          fix(t->get("module"));
          fix(t->get("path"));
        }
      }
    }
  }
  if (toml::table* t = node["ingest"].as_table()) fix(t->get("sqlite_path"));
  if (toml::table* t = node["outbox"].as_table()) fix(t->get("path"));
  if (toml::table* tls = node["mqtt"]["tls"].as_table()) {
    for (const char* k : {"ca_file", "ca_path", "cert_file", "key_file"}) fix(tls->get(k));
  }
}

}  // namespace

std::optional<Deployment> read_deployment_head(const std::string& path, const agent::EnvLookup& env,
                                               std::string* error) {
  std::string text;
  if (!read_text(path, &text, error)) return std::nullopt;
  toml::table root;
  // Placeholders: the head must not depend on what the references resolve to.
  auto placeholder = [](const std::string&) -> std::optional<std::string> { return std::string("0"); };
  if (!parse_text(path, text, env, placeholder, &root, error)) return std::nullopt;

  Deployment d;
  d.source = path;
  std::string problem;
  for (const auto& [k, v] : root) {
    std::string key(k.str());
    if (key != "deployment" && key != "broker" && key != "simulators" && key != "nodes")
      problem = key + ": unknown key (expected [deployment], [broker], [[simulators]] or [[nodes]])";
    if (!problem.empty()) break;
  }
  if (problem.empty()) {
    if (const toml::table* t = root["deployment"].as_table()) {
      Reader r(*t, "deployment", &problem);
      r.string("name", &d.name, true);
      r.reject_unknown();
    } else {
      problem = "deployment: missing; expected a table with name = \"...\"";
    }
  }
  if (problem.empty() && root.contains("broker")) {
    if (const toml::table* t = root["broker"].as_table()) {
      d.broker.managed = false;
      Reader r(*t, "broker", &problem);
      r.string("host", &d.broker.host);
      r.integer("port", &d.broker.port, 1, 65535);
      r.reject_unknown();
      if (problem.empty() && !t->contains("port")) problem = "broker.port: missing; expected the port of the existing broker";
    } else {
      problem = "broker: expected a table (host, port of an existing broker)";
    }
  }
  if (problem.empty() && root.contains("simulators")) {
    const toml::array* a = root["simulators"].as_array();
    if (!a || !a->is_array_of_tables()) problem = "simulators: expected [[simulators]] tables";
    for (std::size_t i = 0; a && problem.empty() && i < a->size(); ++i) {
      SimulatorSettings s;
      read_simulator(*(*a)[i].as_table(), "simulators[" + std::to_string(i) + "]", &s, &problem);
      for (const SimulatorSettings& other : d.simulators) {
        if (problem.empty() && other.name == s.name)
          problem = "simulators[" + std::to_string(i) + "].name: \"" + s.name + "\" is used twice";
      }
      d.simulators.push_back(s);
    }
  }
  if (problem.empty()) {
    const toml::array* a = root["nodes"].as_array();
    if (!a || a->empty() || !a->is_array_of_tables()) problem = "nodes: missing; expected [[nodes]] tables (node configs)";
  }
  if (!problem.empty()) {
    *error = path + ": " + problem;
    return std::nullopt;
  }
  return d;
}

void bind_simulator(const SimulatorSettings& sim, const std::string& tty_path, int modbus_port, Bindings* b) {
  std::string prefix = "sim." + sim.name + ".";
  auto num = [](double v) {
    std::ostringstream s;
    s << v;
    return s.str();
  };
  if (sim.kind == "soil") {
    b->values[prefix + "port"] = std::to_string(modbus_port);
    b->values[prefix + "host"] = "127.0.0.1";
    b->values[prefix + "fields"] = std::to_string(sim.soil.fields);
  } else {
    const Krc2SimSettings& k = sim.krc2;
    b->values[prefix + "tty"] = tty_path;
    b->values[prefix + "baud"] = std::to_string(k.baud);
    b->values[prefix + "safety_mm"] = num(k.safety_mm);
    b->values[prefix + "point"] = num(k.point[0]) + "," + num(k.point[1]) + "," + num(k.point[2]);
  }
}

bool generate_nodes(const std::string& path, const agent::EnvLookup& env, Bindings& b, Deployment* d,
                    std::string* error) {
  std::string text;
  if (!read_text(path, &text, error)) return false;
  auto lookup = [&b](const std::string& name) -> std::optional<std::string> {
    if (name == "modules") return b.modules_dir;
    if (name == "run_dir") return b.run_dir;
    if (name == "broker.host") return b.broker_host;
    if (name == "broker.port") return std::to_string(b.broker_port);
    if (name.rfind("port:", 0) == 0) {
      if (name.size() == 5) return std::nullopt;
      auto it = b.ports.find(name);
      if (it == b.ports.end()) it = b.ports.emplace(name, b.pick_port ? b.pick_port() : 1).first;
      return std::to_string(it->second);
    }
    auto it = b.values.find(name);
    if (it == b.values.end()) return std::nullopt;
    return it->second;
  };
  toml::table root;
  if (!parse_text(path, text, env, lookup, &root, error)) return false;

  fs::path base = fs::absolute(fs::path(path)).parent_path();
  const toml::array& nodes = *root["nodes"].as_array();
  d->nodes.clear();
  std::set<std::string> ids;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    toml::table node = *nodes[i].as_table();
    std::string where = path + ": nodes[" + std::to_string(i) + "]";
    std::optional<std::string> id = node["node"]["id"].value<std::string>();
    if (!id) {
      *error = where + ": node.id: missing; expected a string (each [[nodes]] entry is a node config)";
      return false;
    }
    where += " (" + *id + ")";
    if (!ids.insert(*id).second) {
      *error = where + ": node.id: \"" + *id + "\" is used by another node";
      return false;
    }
    // What the deployment decides: where the node keeps its files, and the broker.
    std::string data_dir = (fs::path(b.run_dir) / "nodes" / *id).string();
    if (node.contains("node") && node["node"].as_table() && node["node"]["data_dir"]) {
      *error = where + ": node.data_dir: set by `continuum up` (<run_dir>/nodes/<id>); remove it";
      return false;
    }
    if (toml::table* n = node["node"].as_table()) n->insert_or_assign("data_dir", data_dir);
    if (!node.contains("mqtt")) node.insert("mqtt", toml::table{});
    if (toml::table* m = node["mqtt"].as_table()) {
      if (m->contains("host") || m->contains("port")) {
        *error = where + ": mqtt.host/mqtt.port: set by `continuum up` from [broker]; remove them";
        return false;
      }
      m->insert_or_assign("host", b.broker_host);
      m->insert_or_assign("port", b.broker_port);
      // The broker is local: after an outage, reconnect within 2 s rather
      // than the node default's backoff of up to 30 s (unless the file says).
      if (!m->contains("reconnect_max")) m->insert("reconnect_max", "2s");
    }
    absolutize(node, base);
    std::ostringstream out;
    out << "# Generated by `continuum up` from " << path << " (nodes[" << i << "]).\n" << node << "\n";
    NodeSection section;
    section.id = *id;
    section.toml = out.str();
    std::optional<agent::NodeConfig> config =
        agent::parse_node_config(section.toml, where, base.string(), env, error);
    if (!config) return false;
    section.tier = config->tier;
    section.config = std::move(*config);
    d->nodes.push_back(std::move(section));
  }
  return true;
}

std::string ingest_store_path(const Deployment& d, std::string* node_id) {
  for (const NodeSection& n : d.nodes) {
    if (n.config.ingest.enabled && n.config.ingest.storage.backend == "sqlite") {
      if (node_id) *node_id = n.id;
      return n.config.ingest.storage.sqlite_path;
    }
  }
  return "";
}

}  // namespace continuum::node::up
