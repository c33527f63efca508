// Clocks and sleeping (poll_oneoff on a clock subscription). Times differ
// from run to run, so only relations between them are printed.
// The sleeps are checked with 2 ms of slack: Node's WASI (uvwasi) sleeps on
// libuv timers, whose clock is truncated to whole milliseconds, so under load
// it can wake up to 1 ms before the nanosecond clock says the time is up.
// Continuum's own sleep is held to the exact deadline in
// tests/wasi/functions_test.cc (PollOneoffSleepsOnARelativeClock).
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(clockid_t clock) {
  struct timespec t;
  if (clock_gettime(clock, &t) != 0) return -1;
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void) {
  long long start = now_ns(CLOCK_MONOTONIC);
  struct timespec nap = {0, 30 * 1000 * 1000};
  int rc = nanosleep(&nap, NULL);
  long long slept = now_ns(CLOCK_MONOTONIC) - start;
  printf("nanosleep rc=%d slept_at_least_28ms=%d\n", rc, slept >= 28000000LL);
  start = now_ns(CLOCK_MONOTONIC);
  usleep(20000);
  printf("usleep slept_at_least_18ms=%d\n", now_ns(CLOCK_MONOTONIC) - start >= 18000000LL);
  long long wall = now_ns(CLOCK_REALTIME);
  printf("realtime after 2020=%d\n", wall > 1577836800LL * 1000000000LL);
  printf("cputime readable=%d\n", now_ns(CLOCK_PROCESS_CPUTIME_ID) >= 0);
  struct timespec res;
  printf("monotonic resolution <= 1ms: %d\n",
         clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 && res.tv_nsec <= 1000000);
  printf("time() consistent=%d\n", (long long)time(NULL) * 1000000000LL <= now_ns(CLOCK_REALTIME));
  return 0;
}
