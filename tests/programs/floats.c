// Floating point formatting and libm: printf with %f/%g/%e/%a, special
// values, and a spread of math functions. Everything printed is computed in
// the guest, so any difference between hosts is an engine arithmetic bug.
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static volatile double zero = 0.0;  // keeps the compiler from folding everything

int main(void) {
  const double values[] = {0.0, -0.0, 1.0, -1.5, 3.14159265358979, 1e-7, 123456789.125,
                           1e300, 2.2250738585072014e-308, 4.9e-324, DBL_MAX, 0.1 + 0.2};
  for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); ++i) {
    double v = values[i] + zero;
    printf("%%f=%f %%g=%g %%e=%e %%.17g=%.17g %%a=%a\n", v, v, v, v, v);
  }
  float f = 1.0f / 3.0f + (float)zero;
  printf("float %.9g %f %e\n", f, f, f);
  // A NaN's sign bit is not specified by wasm (hosts differ), so print |NaN|.
  printf("inf=%f -inf=%g nan=%f\n", 1.0 / zero, -1.0 / zero, fabs(zero / zero));
  printf("-0.0=%g signbit(-0.0)=%d isnan=%d isinf=%d\n", -zero, signbit(-zero) != 0,
         isnan(zero / zero), isinf(1.0 / zero));

  for (int i = -3; i <= 12; ++i) {
    double x = i * 0.75 + zero;
    printf("x=%5.2f sin=%.15g cos=%.15g tan=%.15g exp=%.15g log1p=%.15g sqrt=%.15g\n", x,
           sin(x), cos(x), tan(x), exp(x), log1p(fabs(x)), sqrt(fabs(x)));
    printf("        atan2=%.15g pow=%.15g cbrt=%.15g fmod=%.15g hypot=%.15g\n",
           atan2(x, 1.5), pow(fabs(x), 1.7), cbrt(x), fmod(x * 7.3, 2.1), hypot(x, 4.0));
    printf("        floor=%g ceil=%g round=%g trunc=%g rint=%g\n", floor(x), ceil(x),
           round(x), trunc(x), rint(x));
  }
  int exponent;
  double mantissa = frexp(1234.5 + zero, &exponent);
  printf("frexp %.17g %d ldexp %.17g\n", mantissa, exponent, ldexp(mantissa, exponent));
  printf("strtod %.17g %.17g %g\n", strtod("2.718281828459045", NULL), strtod("1e-310", NULL),
         strtod("0x1.8p3", NULL));
  printf("fmin %g fmax %g copysign %g nextafter %.17g\n", fmin(zero / zero, 2.0),
         fmax(-1.0, zero), copysign(3.0, -0.0), nextafter(1.0, 2.0));
  printf("conversions %d %u %lld %d\n", (int)(-7.9 + zero), (unsigned)(3e9 + zero),
         (long long)(-9.2e18 + zero), (int)(float)(16777217 + zero));

  // A small numerical kernel: the sum is sensitive to evaluation order.
  double sum = 0.0;
  for (int k = 1; k <= 100000; ++k) sum += 1.0 / ((double)k * k);
  printf("basel %.17g (pi^2/6 = %.17g)\n", sum, M_PI * M_PI / 6.0);
  float fsum = 0.0f;
  for (int k = 1; k <= 100000; ++k) fsum += 1.0f / (float)k;
  printf("harmonic float %.9g\n", fsum);
  return 0;
}
