// Reads whitespace-separated numbers from stdin until EOF and reports their
// count, sum, minimum, maximum and mean.
#include <stdio.h>

int main(void) {
  double x, sum = 0, min = 0, max = 0;
  long count = 0;
  while (scanf("%lf", &x) == 1) {
    if (count == 0 || x < min) min = x;
    if (count == 0 || x > max) max = x;
    sum += x;
    ++count;
  }
  printf("count=%ld sum=%.6f min=%g max=%g mean=%.9g\n", count, sum, min, max,
         count ? sum / count : 0.0);
  return 0;
}
