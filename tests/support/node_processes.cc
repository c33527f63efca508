#include "node_processes.h"

#include <fstream>
#include <iterator>

namespace continuum::testing {

namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

bool NodeProcesses::start(const std::string& id, int broker_port, const std::string& sections,
                          const std::string& node_keys) {
  const std::string config = (dir_ / (id + ".toml")).string();
  std::ofstream(config) << "[node]\nid = \"" << id << "\"\ndata_dir = \"" << (dir_ / id).string()
                        << "\"\nheartbeat = \"100ms\"\n" << node_keys << "[mqtt]\nport = " << broker_port << "\n"
                        << sections;
  auto child = std::make_unique<ChildProcess>();
  if (!child->start({program_, "node", "--config", config}, (dir_ / (id + ".log")).string())) return false;
  processes_[id] = std::move(child);
  return true;
}

bool NodeProcesses::restart(const std::string& id) {
  auto it = processes_.find(id);
  if (it == processes_.end()) return false;
  it->second->stop();
  auto child = std::make_unique<ChildProcess>();
  if (!child->start({program_, "node", "--config", (dir_ / (id + ".toml")).string()},
                    (dir_ / (id + "-again.log")).string()))
    return false;
  processes_[id + "-again"] = std::move(child);
  return true;
}

void NodeProcesses::stop_all() {
  for (auto& [name, process] : processes_) process->stop();
}

std::string NodeProcesses::logs() const {
  std::string out;
  for (const auto& [name, process] : processes_) out += "\n--- " + name + "\n" + read_text(dir_ / (name + ".log"));
  return out;
}

ProgramRun NodeProcesses::cli(std::vector<std::string> args, const std::string& api,
                              const std::string& token_node) const {
  args.push_back("--api");
  args.push_back(api);
  std::string token = read_text(dir_ / token_node / "api-token");
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  if (!token.empty()) {
    args.push_back("--token");
    args.push_back(token);
  }
  return run_program(program_, args, dir_);
}

}  // namespace continuum::testing
