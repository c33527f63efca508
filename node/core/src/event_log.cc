#include "continuum/node/event_log.h"

#include <algorithm>

namespace continuum::node {

FleetEvent EventLog::add(FleetEvent event) {
  std::lock_guard lock(mutex_);
  event.id = next_id_++;
  if (ring_.size() >= capacity_) ring_.pop_front();
  ring_.push_back(event);
  return event;
}

std::vector<FleetEvent> EventLog::after(uint64_t since, std::size_t limit, const std::string& node) const {
  std::lock_guard lock(mutex_);
  std::vector<FleetEvent> out;
  // Ids are consecutive in the ring: start right after `since`.
  auto it = std::upper_bound(ring_.begin(), ring_.end(), since,
                             [](uint64_t id, const FleetEvent& e) { return id < e.id; });
  for (; it != ring_.end() && out.size() < limit; ++it)
    if (node.empty() || it->node == node) out.push_back(*it);
  return out;
}

std::vector<FleetEvent> EventLog::latest(std::size_t limit, const std::string& node) const {
  std::lock_guard lock(mutex_);
  std::vector<FleetEvent> out;
  for (auto it = ring_.rbegin(); it != ring_.rend() && out.size() < limit; ++it)
    if (node.empty() || it->node == node) out.push_back(*it);
  std::reverse(out.begin(), out.end());
  return out;
}

uint64_t EventLog::oldest_id() const {
  std::lock_guard lock(mutex_);
  return ring_.empty() ? 0 : ring_.front().id;
}

uint64_t EventLog::last_id() const {
  std::lock_guard lock(mutex_);
  return ring_.empty() ? 0 : ring_.back().id;
}

}  // namespace continuum::node
