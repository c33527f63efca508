// Indirect calls: qsort and bsearch with comparison callbacks, plus a table
// of function pointers, on ints, strings and structs.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct City {
  const char* name;
  int population;
  double area;
};

static int by_int_ascending(const void* a, const void* b) {
  int x = *(const int*)a, y = *(const int*)b;
  return (x > y) - (x < y);
}
static int by_int_descending(const void* a, const void* b) { return by_int_ascending(b, a); }
static int by_string(const void* a, const void* b) {
  return strcmp(*(const char* const*)a, *(const char* const*)b);
}
static int by_density(const void* a, const void* b) {
  const struct City* x = a;
  const struct City* y = b;
  double dx = x->population / x->area, dy = y->population / y->area;
  return (dx > dy) - (dx < dy);
}

static int add(int a, int b) { return a + b; }
static int sub(int a, int b) { return a - b; }
static int mul(int a, int b) { return a * b; }
static int mod(int a, int b) { return b ? a % b : 0; }

int main(void) {
  enum { N = 2000 };
  static int numbers[N];
  unsigned state = 7;
  for (int i = 0; i < N; ++i) {
    state = state * 1664525u + 1013904223u;
    numbers[i] = (int)(state >> 12) % 100000 - 50000;
  }
  qsort(numbers, N, sizeof(int), by_int_ascending);
  int sorted = 1;
  for (int i = 1; i < N; ++i) sorted &= numbers[i - 1] <= numbers[i];
  printf("ascending sorted=%d min=%d median=%d max=%d\n", sorted, numbers[0], numbers[N / 2],
         numbers[N - 1]);
  int key = numbers[777];
  int* found = bsearch(&key, numbers, N, sizeof(int), by_int_ascending);
  printf("bsearch %d found=%d\n", key, found != NULL && *found == key);
  qsort(numbers, N, sizeof(int), by_int_descending);
  printf("descending first=%d last=%d\n", numbers[0], numbers[N - 1]);

  const char* words[] = {"wasm", "continuum", "engine", "interpreter", "node", "qsort", "apple",
                         "zebra", "Microcontroller", "linear", "memory", "table"};
  size_t nwords = sizeof(words) / sizeof(words[0]);
  qsort(words, nwords, sizeof(words[0]), by_string);
  for (size_t i = 0; i < nwords; ++i) printf("%s%c", words[i], i + 1 < nwords ? ' ' : '\n');

  struct City cities[] = {{"Alpha", 850000, 120.5}, {"Beta", 120000, 45.0},
                          {"Gamma", 3400000, 890.2}, {"Delta", 56000, 3.3},
                          {"Epsilon", 990000, 101.0}};
  qsort(cities, 5, sizeof(cities[0]), by_density);
  for (int i = 0; i < 5; ++i) {
    printf("%-8s %10.2f per km2\n", cities[i].name, cities[i].population / cities[i].area);
  }

  int (*ops[])(int, int) = {add, sub, mul, mod};
  const char* names[] = {"add", "sub", "mul", "mod"};
  int acc = 1;
  for (int i = 0; i < 40; ++i) {
    int op = (i * 7 + 3) % 4;
    acc = ops[op](acc, i + 2);
    printf("%s%s", names[op], i % 10 == 9 ? "\n" : " ");
  }
  printf("accumulated %d\n", acc);
  return 0;
}
