// Time: clock_res_get, clock_time_get and poll_oneoff (sleeping on clocks,
// waiting on descriptors).
#include <errno.h>
#include <poll.h>
#include <time.h>

#include <vector>

#include "functions.h"
#include "host_errno.h"

namespace continuum::wasi::fn {
namespace {

bool host_clock(uint32_t id, clockid_t* out) {
  switch (id) {
    case abi::kClockRealtime: *out = CLOCK_REALTIME; return true;
    case abi::kClockMonotonic: *out = CLOCK_MONOTONIC; return true;
    case abi::kClockProcessCputime: *out = CLOCK_PROCESS_CPUTIME_ID; return true;
    case abi::kClockThreadCputime: *out = CLOCK_THREAD_CPUTIME_ID; return true;
    default: return false;
  }
}

uint64_t to_ns(const struct timespec& t) {
  return static_cast<uint64_t>(t.tv_sec) * 1000000000ull + static_cast<uint64_t>(t.tv_nsec);
}

uint64_t now_ns(clockid_t clock) {
  struct timespec t;
  ::clock_gettime(clock, &t);
  return to_ns(t);
}

// One subscription as read from the guest, with what became of it.
struct Waiter {
  uint64_t userdata = 0;
  uint8_t type = 0;
  abi::Errno error = abi::kSuccess;  // reported at once when set
  uint64_t deadline_ns = 0;          // clock: on CLOCK_MONOTONIC
  int pollfd_index = -1;             // fd_read / fd_write: its slot in the poll set
  bool ready = false;
  uint16_t flags = 0;                // fd events: 1 = hangup
};

}  // namespace

engine::HostResult clock_res_get(Guest& g, const uint64_t* a, uint64_t* r) {
  clockid_t clock;
  if (!host_clock(arg_u32(a, 0), &clock)) return reply(r, abi::kInval);
  struct timespec res;
  if (::clock_getres(clock, &res) != 0) return reply(r, from_host_errno(errno));
  if (!g.mem.write_u64(arg_u32(a, 1), to_ns(res))) return reply(r, abi::kFault);
  return reply(r, abi::kSuccess);
}

engine::HostResult clock_time_get(Guest& g, const uint64_t* a, uint64_t* r) {
  clockid_t clock;
  if (!host_clock(arg_u32(a, 0), &clock)) return reply(r, abi::kInval);
  // a[1] is the precision the guest tolerates; we always give our best.
  if (!g.mem.write_u64(arg_u32(a, 2), now_ns(clock))) return reply(r, abi::kFault);
  return reply(r, abi::kSuccess);
}

engine::HostResult poll_oneoff(Guest& g, const uint64_t* a, uint64_t* r) {
  uint32_t in = arg_u32(a, 0), out = arg_u32(a, 1), count = arg_u32(a, 2);
  uint32_t nevents_ptr = arg_u32(a, 3);
  if (count == 0) return reply(r, abi::kInval);
  const uint8_t* subs = g.mem.span(in, uint64_t(count) * abi::subscription::kSize);
  if (subs == nullptr || g.mem.span(out, uint64_t(count) * abi::event::kSize) == nullptr ||
      g.mem.span(nevents_ptr, 4) == nullptr) {
    return reply(r, abi::kFault);
  }

  std::vector<Waiter> waiters(count);
  std::vector<struct pollfd> pollfds;
  uint64_t start = now_ns(CLOCK_MONOTONIC);
  bool any_immediate = false;
  uint64_t earliest = UINT64_MAX;
  for (uint32_t i = 0; i < count; ++i) {
    const uint8_t* s = subs + uint64_t(i) * abi::subscription::kSize;
    Waiter& w = waiters[i];
    w.userdata = get_u64(s + abi::subscription::kUserdata);
    w.type = s[abi::subscription::kTag];
    if (w.type == abi::kEventClock) {
      clockid_t clock;
      uint64_t timeout = get_u64(s + abi::subscription::kClockTimeout);
      uint16_t flags = get_u16(s + abi::subscription::kClockFlags);
      if (!host_clock(get_u32(s + abi::subscription::kClockId), &clock)) {
        w.error = abi::kInval;
      } else {
        uint64_t wait = timeout;
        if (flags & abi::kSubclockAbstime) {
          uint64_t now = now_ns(clock);
          wait = timeout > now ? timeout - now : 0;
        }
        w.deadline_ns = wait > UINT64_MAX - start ? UINT64_MAX : start + wait;
        if (w.deadline_ns < earliest) earliest = w.deadline_ns;
      }
    } else if (w.type == abi::kEventFdRead || w.type == abi::kEventFdWrite) {
      FdEntry* e = g.state.lookup(get_u32(s + abi::subscription::kFd));
      if (e == nullptr) {
        w.error = abi::kBadf;
      } else {
        w.pollfd_index = static_cast<int>(pollfds.size());
        short events = w.type == abi::kEventFdRead ? POLLIN : POLLOUT;
        pollfds.push_back({e->host_fd, events, 0});
      }
    } else {
      w.error = abi::kInval;
    }
    if (w.error != abi::kSuccess) any_immediate = true;
  }

  // Wait until a descriptor is ready or the earliest clock fires.
  for (;;) {
    struct timespec timeout_ts;
    struct timespec* timeout = nullptr;
    uint64_t now = now_ns(CLOCK_MONOTONIC);
    if (any_immediate) {
      timeout_ts = {0, 0};
      timeout = &timeout_ts;
    } else if (earliest != UINT64_MAX) {
      uint64_t left = earliest > now ? earliest - now : 0;
      timeout_ts.tv_sec = static_cast<time_t>(left / 1000000000ull);
      timeout_ts.tv_nsec = static_cast<long>(left % 1000000000ull);
      timeout = &timeout_ts;
    }
    int n = ::ppoll(pollfds.data(), pollfds.size(), timeout, nullptr);
    if (n < 0) {
      if (errno == EINTR) continue;
      return reply(r, from_host_errno(errno));
    }
    now = now_ns(CLOCK_MONOTONIC);
    bool any_ready = any_immediate;
    for (Waiter& w : waiters) {
      if (w.error != abi::kSuccess) continue;
      if (w.type == abi::kEventClock) {
        w.ready = now >= w.deadline_ns;
      } else {
        short revents = pollfds[w.pollfd_index].revents;
        w.ready = revents != 0;
        if (revents & POLLHUP) w.flags = 1;
        if (revents & POLLNVAL) w.error = abi::kBadf;
        if (revents & POLLERR) w.error = abi::kIo;
      }
      if (w.ready || w.error != abi::kSuccess) any_ready = true;
    }
    if (any_ready) break;
  }

  uint8_t* events = g.mem.span(out, uint64_t(count) * abi::event::kSize);
  uint32_t written = 0;
  for (const Waiter& w : waiters) {
    if (!w.ready && w.error == abi::kSuccess) continue;
    uint8_t* ev = events + uint64_t(written) * abi::event::kSize;
    for (uint32_t k = 0; k < abi::event::kSize; ++k) ev[k] = 0;
    put_u64(ev + abi::event::kUserdata, w.userdata);
    put_u16(ev + abi::event::kError, w.error);
    ev[abi::event::kType] = w.type;
    put_u16(ev + abi::event::kFlags, w.flags);
    ++written;
  }
  g.mem.write_u32(nevents_ptr, written);
  return reply(r, abi::kSuccess);
}

}  // namespace continuum::wasi::fn
