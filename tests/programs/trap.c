// Reaches an unreachable instruction after printing: the run must end with a
// non-zero status and a `trap:` report, not a crash of the host.
#include <stdio.h>

int main(void) {
  printf("about to trap\n");
  fflush(stdout);
  __builtin_trap();
}
