// The interpreter's f64 multiply-add superinstructions (F64MulAdd,
// F64MulAddImm, F64MulAccAddImm: "a + x * y", "x * y + c" and the Horner
// step "c + a * p"): wasm rounds the product to f64 before the add, so the
// fused instruction must give exactly what the two separate instructions
// give, never the singly rounded result of a hardware fused multiply-add.
#include <gtest/gtest.h>
#include <string.h>

#include "runtime_test_support.h"

namespace continuum::engine {
namespace {

using test::Embedder;

// (module
//   (func (export "dot") (param f64 f64 f64) (result f64)
//     local.get 0 local.get 1 local.get 2 f64.mul f64.add)
//   (func (export "dot_left") (param f64 f64 f64) (result f64)
//     local.get 1 local.get 2 f64.mul local.get 0 f64.add)
//   (func (export "mul_add_c") (param f64 f64) (result f64)
//     local.get 0 local.get 1 f64.mul f64.const -1 f64.add)
//   (func (export "horner") (param f64 f64) (result f64)
//     local.get 0
//     local.get 0 local.get 1 f64.mul f64.const 0.3 f64.add
//     f64.mul f64.const -1 f64.add)
//   (func (export "poly") (param f64) (result f64) (local f64 i32)
//     f64.const 1 local.set 1
//     loop
//       f64.const 0.5 local.get 0 local.get 1 f64.mul f64.add local.set 1
//       local.get 2 i32.const 1 i32.add local.tee 2 i32.const 8 i32.ne br_if 0
//     end
//     local.get 1)
// )
constexpr uint8_t kF64Ops[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x13, 0x03, 0x60,
    0x03, 0x7c, 0x7c, 0x7c, 0x01, 0x7c, 0x60, 0x02, 0x7c, 0x7c, 0x01, 0x7c,
    0x60, 0x01, 0x7c, 0x01, 0x7c, 0x03, 0x06, 0x05, 0x00, 0x00, 0x01, 0x01,
    0x02, 0x07, 0x2e, 0x05, 0x03, 0x64, 0x6f, 0x74, 0x00, 0x00, 0x08, 0x64,
    0x6f, 0x74, 0x5f, 0x6c, 0x65, 0x66, 0x74, 0x00, 0x01, 0x09, 0x6d, 0x75,
    0x6c, 0x5f, 0x61, 0x64, 0x64, 0x5f, 0x63, 0x00, 0x02, 0x06, 0x68, 0x6f,
    0x72, 0x6e, 0x65, 0x72, 0x00, 0x03, 0x04, 0x70, 0x6f, 0x6c, 0x79, 0x00,
    0x04, 0x0a, 0x7c, 0x05, 0x0a, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02,
    0xa2, 0xa0, 0x0b, 0x0a, 0x00, 0x20, 0x01, 0x20, 0x02, 0xa2, 0x20, 0x00,
    0xa0, 0x0b, 0x11, 0x00, 0x20, 0x00, 0x20, 0x01, 0xa2, 0x44, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xf0, 0xbf, 0xa0, 0x0b, 0x1e, 0x00, 0x20, 0x00,
    0x20, 0x00, 0x20, 0x01, 0xa2, 0x44, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33,
    0xd3, 0x3f, 0xa0, 0xa2, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0,
    0xbf, 0xa0, 0x0b, 0x33, 0x02, 0x01, 0x7c, 0x01, 0x7f, 0x44, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xf0, 0x3f, 0x21, 0x01, 0x03, 0x40, 0x44, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0xe0, 0x3f, 0x20, 0x00, 0x20, 0x01, 0xa2,
    0xa0, 0x21, 0x01, 0x20, 0x02, 0x41, 0x01, 0x6a, 0x22, 0x02, 0x41, 0x08,
    0x47, 0x0d, 0x00, 0x0b, 0x20, 0x01, 0x0b,
};

// The product rounded on its own, then the sum: what wasm specifies. The
// volatile store forces the rounding whatever the test's own compiler flags.
double mul_then_add(double x, double y, double a) {
  volatile double p = x * y;
  return p + a;
}

uint64_t bits(double v) {
  uint64_t b;
  memcpy(&b, &v, 8);
  return b;
}

class InterpF64Ops : public ::testing::Test {
 protected:
  void SetUp() override {
    inst_ = e_.instantiate(kF64Ops, sizeof kF64Ops);
    ASSERT_NE(inst_, nullptr);
  }
  double call(const char* name, std::vector<Value> args) {
    Outcome o = e_.call(inst_, name, args);
    EXPECT_TRUE(o.ok()) << name << ": " << Embedder::message(o.trap);
    if (!o.ok() || e_.exec().num_results() == 0) return 0;
    return e_.exec().result(0).as_f64();
  }

  Embedder e_;
  Instance* inst_ = nullptr;
};

// 0.1 * 10 is 1 + 2^-54 exactly, which rounds to 1; (1 + 2^-30)(1 - 2^-30) is
// 1 - 2^-60, which rounds to 1. Minus 1 gives 0 with two roundings and the
// tiny remainder (5.55e-17, -8.67e-19) with one.
const double kInputs[][3] = {
    {0.1, 10.0, -1.0},
    {1.0 + 0x1p-30, 1.0 - 0x1p-30, -1.0},
    {2.0, 3.0, 4.0},
    {1e308, 10.0, -1e308},
    {-0.0, 5.0, -0.0},
    {3.141592653589793, 2.718281828459045, 1.4142135623730951},
};

TEST_F(InterpF64Ops, MultiplyAddRoundsTheProductFirst) {
  EXPECT_EQ(bits(call("mul_add_c", {Value::f64(0.1), Value::f64(10.0)})), bits(0.0));
  EXPECT_EQ(bits(call("dot", {Value::f64(-1.0), Value::f64(1.0 + 0x1p-30), Value::f64(1.0 - 0x1p-30)})),
            bits(0.0));
  for (const auto& in : kInputs) {
    double x = in[0], y = in[1], a = in[2];
    EXPECT_EQ(bits(call("dot", {Value::f64(a), Value::f64(x), Value::f64(y)})), bits(mul_then_add(x, y, a)))
        << x << " " << y << " " << a;
    EXPECT_EQ(bits(call("dot_left", {Value::f64(a), Value::f64(x), Value::f64(y)})),
              bits(mul_then_add(x, y, a)))
        << x << " " << y << " " << a;
    EXPECT_EQ(bits(call("mul_add_c", {Value::f64(x), Value::f64(y)})), bits(mul_then_add(x, y, -1.0)))
        << x << " " << y;
  }
}

TEST_F(InterpF64Ops, HornerStepReadsThePreviousResult) {
  for (const auto& in : kInputs) {
    double x = in[0], y = in[1];
    double inner = mul_then_add(x, y, 0.3);
    EXPECT_EQ(bits(call("horner", {Value::f64(x), Value::f64(y)})), bits(mul_then_add(x, inner, -1.0)))
        << x << " " << y;
  }
  // 0.1 * (0.1 * 10 + 0.3) - 1: every product is inexact.
  EXPECT_EQ(bits(call("horner", {Value::f64(0.1), Value::f64(10.0)})),
            bits(mul_then_add(0.1, mul_then_add(0.1, 10.0, 0.3), -1.0)));
}

TEST_F(InterpF64Ops, PolynomialLoopKeepsItsLocal) {
  for (double x : {0.1, 0.5, -1.25, 3.0}) {
    double p = 1.0;
    for (int i = 0; i < 8; ++i) p = mul_then_add(x, p, 0.5);
    EXPECT_EQ(bits(call("poly", {Value::f64(x)})), bits(p)) << x;
  }
}

}  // namespace
}  // namespace continuum::engine
