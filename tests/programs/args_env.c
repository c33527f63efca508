// Prints the arguments and environment the host gave the guest.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char** environ;

int main(int argc, char** argv) {
  printf("argc=%d\n", argc);
  // argv[0] is the module path, which differs between build trees: show
  // only its file name.
  const char* slash = strrchr(argv[0], '/');
  printf("argv[0] ends with %s\n", slash ? slash + 1 : argv[0]);
  for (int i = 1; i < argc; ++i) printf("argv[%d]=[%s] (%zu bytes)\n", i, argv[i], strlen(argv[i]));
  int n = 0;
  for (char** e = environ; *e; ++e) printf("environ[%d]=[%s]\n", n++, *e);
  const char* greeting = getenv("GREETING");
  printf("getenv(GREETING)=%s\n", greeting ? greeting : "(unset)");
  printf("getenv(NOT_SET)=%s\n", getenv("NOT_SET") ? "set" : "(unset)");
  return 0;
}
