#include "continuum/node/topics.h"

namespace continuum::node::topics {

namespace {

std::string join(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts) {
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

}  // namespace

std::string status(std::string_view node) { return join({kRoot, node, "status"}); }
std::string heartbeat(std::string_view node) { return join({kRoot, node, "hb"}); }
std::string command(std::string_view node) { return join({kRoot, node, "cmd"}); }
std::string reply(std::string_view node) { return join({kRoot, node, "reply"}); }
std::string reply(std::string_view node, std::string_view requester) {
  return join({kRoot, node, "reply", requester});
}
std::string data(std::string_view node, std::string_view stage, std::string_view port) {
  return join({kRoot, "data", node, stage, port});
}
std::string all_data() { return join({kRoot, "data", "#"}); }
bool is_data(std::string_view topic) {
  static const std::string prefix = join({kRoot, "data", ""});
  return topic.substr(0, prefix.size()) == prefix;
}
std::string all_statuses() { return join({kRoot, "+", "status"}); }
std::string all_heartbeats() { return join({kRoot, "+", "hb"}); }
std::string shared(std::string_view group, std::string_view filter) {
  return join({"$share", group, filter});
}

std::string ota_offer(std::string_view node) { return join({kRoot, node, "ota", "offer"}); }
std::string ota_request(std::string_view node) { return join({kRoot, node, "ota", "request"}); }
std::string ota_chunk(std::string_view node) { return join({kRoot, node, "ota", "chunk"}); }
std::string ota_status(std::string_view node) { return join({kRoot, node, "ota", "status"}); }
std::string ota_all_requests() { return join({kRoot, "+", "ota", "request"}); }
std::string ota_all_status() { return join({kRoot, "+", "ota", "status"}); }
std::string stage_snapshot(std::string_view node, std::string_view stage) {
  return join({kRoot, node, "snapshot", stage});
}
std::string all_stage_snapshots() { return join({kRoot, "+", "snapshot", "+"}); }
std::string placement(std::string_view stage) { return join({kRoot, "placement", stage}); }
std::string all_placements() { return join({kRoot, "placement", "+"}); }

std::string ota_node_of(std::string_view topic, std::string_view leaf) {
  std::string prefix = std::string(kRoot) + "/";
  std::string suffix = "/ota/" + std::string(leaf);
  if (topic.size() <= prefix.size() + suffix.size() || !topic.starts_with(prefix) || !topic.ends_with(suffix))
    return "";
  std::string_view node = topic.substr(prefix.size(), topic.size() - prefix.size() - suffix.size());
  return node.find('/') == std::string_view::npos ? std::string(node) : "";
}
}  // namespace continuum::node::topics
