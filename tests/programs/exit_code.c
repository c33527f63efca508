// exit(3) from deep in the call stack: buffered output must be flushed and
// the process status must be 3.
#include <stdio.h>
#include <stdlib.h>

static void leave(int depth) {
  if (depth == 0) {
    printf("leaving with status 3\n");
    exit(3);
  }
  leave(depth - 1);
  printf("never printed\n");
}

int main(void) {
  printf("buffered line before exit\n");
  leave(10);
  return 0;
}
