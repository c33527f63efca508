// File I/O inside the granted directory /sandbox: create, write, read back,
// seek, append, stat, directories and listing, removal; and the sandbox's
// edges (paths outside it must fail).
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int compare_names(const void* a, const void* b) {
  return strcmp(*(char* const*)a, *(char* const*)b);
}

static void list(const char* path) {
  DIR* dir = opendir(path);
  if (dir == NULL) {
    printf("opendir %s failed: %s\n", path, strerror(errno));
    return;
  }
  char* names[64];
  int n = 0;
  struct dirent* e;
  while ((e = readdir(dir)) != NULL && n < 64) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    names[n++] = strdup(e->d_name);
  }
  closedir(dir);
  qsort(names, n, sizeof(names[0]), compare_names);
  printf("%s:", path);
  for (int i = 0; i < n; ++i) {
    printf(" %s", names[i]);
    free(names[i]);
  }
  printf("\n");
}

int main(void) {
  // The seed file the test put there.
  FILE* in = fopen("/sandbox/input.txt", "r");
  if (in == NULL) {
    printf("cannot open input.txt: %s\n", strerror(errno));
    return 1;
  }
  char line[256];
  int lines = 0;
  while (fgets(line, sizeof(line), in)) printf("input line %d: %s", ++lines, line);
  fclose(in);

  // Write, then read back with seeks in between.
  FILE* f = fopen("/sandbox/numbers.txt", "w+");
  if (f == NULL) {
    printf("cannot create numbers.txt: %s\n", strerror(errno));
    return 1;
  }
  for (int i = 0; i < 100; ++i) fprintf(f, "%03d\n", i * i % 1000);
  printf("ftell after writing %ld\n", ftell(f));
  fseek(f, 40, SEEK_SET);
  char buf[16] = {0};
  fread(buf, 1, 8, f);
  printf("bytes 40..47: %.3s %.3s\n", buf, buf + 4);
  fseek(f, -8, SEEK_END);
  memset(buf, 0, sizeof(buf));
  fread(buf, 1, 8, f);
  printf("last 8 bytes: %.3s %.3s\n", buf, buf + 4);
  rewind(f);
  int value, sum = 0;
  while (fscanf(f, "%d", &value) == 1) sum += value;
  printf("sum of numbers %d\n", sum);
  fclose(f);

  // Append mode and stat.
  int fd = open("/sandbox/numbers.txt", O_WRONLY | O_APPEND);
  printf("open for append ok=%d\n", fd >= 0);
  write(fd, "end\n", 4);
  close(fd);
  struct stat st;
  printf("stat rc=%d size=%lld regular=%d\n", stat("/sandbox/numbers.txt", &st),
         (long long)st.st_size, S_ISREG(st.st_mode));

  // Raw descriptors: lseek past the end leaves a hole of zeros.
  fd = open("/sandbox/sparse.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
  printf("lseek to 1000 -> %lld\n", (long long)lseek(fd, 1000, SEEK_SET));
  write(fd, "X", 1);
  lseek(fd, 998, SEEK_SET);
  char tail[4] = {0};
  printf("read %zd bytes: %d %d %c\n", read(fd, tail, 4), tail[0], tail[1], tail[2]);
  close(fd);

  // Directories.
  printf("mkdir rc=%d\n", mkdir("/sandbox/made", 0755));
  printf("mkdir again rc=%d errno=%s\n", mkdir("/sandbox/made", 0755), strerror(errno));
  FILE* inner = fopen("/sandbox/made/inner.txt", "w");
  fputs("inside a new directory\n", inner);
  fclose(inner);
  printf("stat dir isdir=%d\n", stat("/sandbox/made", &st) == 0 && S_ISDIR(st.st_mode));
  list("/sandbox");
  list("/sandbox/made");
  printf("rmdir non-empty rc=%d\n", rmdir("/sandbox/made") == 0);
  printf("unlink rc=%d\n", unlink("/sandbox/made/inner.txt"));
  printf("rmdir rc=%d\n", rmdir("/sandbox/made"));
  printf("unlink sparse rc=%d\n", unlink("/sandbox/sparse.bin"));
  list("/sandbox");

  // Outside the granted directory nothing opens.
  printf("open missing: %s\n", fopen("/sandbox/missing.txt", "r") ? "opened" : strerror(errno));
  printf("open /etc/passwd: %s\n", fopen("/etc/passwd", "r") ? "opened" : "refused");
  printf("open escape: %s\n", fopen("/sandbox/../outside.txt", "r") ? "opened" : "refused");
  return 0;
}
