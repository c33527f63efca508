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
std::string data(std::string_view node, std::string_view stage, std::string_view port) {
  return join({kRoot, "data", node, stage, port});
}
std::string all_data() { return join({kRoot, "data", "#"}); }
std::string shared(std::string_view group, std::string_view filter) {
  return join({"$share", group, filter});
}

}  // namespace continuum::node::topics
