// Superinstructions formed by the interpreter's compiler for hashes and loops
// (rotate-xor chains, three-operand pairs, loop counter add + compare +
// branch, loads at a + b and adds of loads, runs of register copies) and its
// copy propagation between locals: each must compute exactly what the
// separate wasm instructions do, and a loop counter must survive running out
// of fuel on its back-edge (resume() repeats the instruction).
#include <gtest/gtest.h>
#include <stdint.h>

#include "runtime_test_support.h"

namespace continuum::engine {
namespace {

using test::Embedder;

// (module
//   (memory 1)
//   (func (export "sigma") (param i32 i32) (result i32)
//     local.get 0 i32.const 2 i32.rotr local.get 0 i32.const 13 i32.rotr i32.xor
//     local.get 0 i32.const 22 i32.rotr i32.xor
//     local.get 1 i32.const 7 i32.rotl local.get 1 i32.const 50 i32.rotl i32.xor
//     local.get 1 i32.const 35 i32.shr_u i32.xor
//     i32.add
//     local.get 0 i32.const 33 i32.rotl local.get 0 i32.const 5 i32.rotr i32.xor
//     i32.xor)
//   (func (export "maj_ch") (param i32 i32 i32) (result i32)
//     local.get 0 local.get 1 i32.and local.get 0 local.get 2 i32.and i32.xor
//     local.get 1 local.get 2 i32.and i32.xor
//     local.get 0 local.get 1 i32.and local.get 0 i32.const -1 i32.xor local.get 2 i32.and i32.or
//     i32.add
//     local.get 1 local.get 2 i32.add i32.add)
//   (func (export "count") (result i32) (local i32 i32)
//     loop
//       local.get 1 local.get 0 i32.add local.set 1
//       local.get 0 i32.const 3 i32.add local.tee 0 i32.const 3000 i32.ne br_if 0
//     end
//     local.get 1)
//   (func (export "table_sum") (param i32 i32) (result i32)
//     local.get 0 local.get 1 i32.add i32.load offset=4
//     local.get 1 i32.const 8 i32.add i32.load offset=4
//     i32.add)
//   (func (export "store_at") (param i32 i32) local.get 0 local.get 1 i32.store)
//   (func (export "rotate5") (param i32 i32 i32 i32 i32) (result i32) (local i32)
//     local.get 0 local.set 5  local.get 1 local.set 0  local.get 2 local.set 1
//     local.get 3 local.set 2  local.get 4 local.set 3  local.get 5 local.set 4
//     local.get 0 i32.const 10000 i32.mul local.get 1 i32.const 1000 i32.mul i32.add
//     local.get 2 i32.const 100 i32.mul i32.add local.get 3 i32.const 10 i32.mul i32.add
//     local.get 4 i32.add)
//   (func (export "alias") (param i32 i32) (result i32) (local i32 i32)
//     loop
//       local.get 0 local.set 2
//       local.get 2 local.get 2 i32.const 1 i32.add local.set 0
//       local.get 0 i32.add local.set 0
//       local.get 3 i32.const 1 i32.add local.tee 3 local.get 1 i32.lt_u br_if 0
//     end
//     local.get 2 i32.const 1000 i32.mul local.get 0 i32.add)
// )
constexpr uint8_t kHashOps[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x20, 0x05, 0x60,
    0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x01, 0x7f,
    0x60, 0x00, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x00, 0x60, 0x05, 0x7f,
    0x7f, 0x7f, 0x7f, 0x7f, 0x01, 0x7f, 0x03, 0x08, 0x07, 0x00, 0x01, 0x02,
    0x00, 0x03, 0x04, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x43, 0x07,
    0x05, 0x73, 0x69, 0x67, 0x6d, 0x61, 0x00, 0x00, 0x06, 0x6d, 0x61, 0x6a,
    0x5f, 0x63, 0x68, 0x00, 0x01, 0x05, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x00,
    0x02, 0x09, 0x74, 0x61, 0x62, 0x6c, 0x65, 0x5f, 0x73, 0x75, 0x6d, 0x00,
    0x03, 0x08, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x5f, 0x61, 0x74, 0x00, 0x04,
    0x07, 0x72, 0x6f, 0x74, 0x61, 0x74, 0x65, 0x35, 0x00, 0x05, 0x05, 0x61,
    0x6c, 0x69, 0x61, 0x73, 0x00, 0x06, 0x0a, 0x82, 0x02, 0x07, 0x31, 0x00,
    0x20, 0x00, 0x41, 0x02, 0x78, 0x20, 0x00, 0x41, 0x0d, 0x78, 0x73, 0x20,
    0x00, 0x41, 0x16, 0x78, 0x73, 0x20, 0x01, 0x41, 0x07, 0x77, 0x20, 0x01,
    0x41, 0x32, 0x77, 0x73, 0x20, 0x01, 0x41, 0x23, 0x76, 0x73, 0x6a, 0x20,
    0x00, 0x41, 0x21, 0x77, 0x20, 0x00, 0x41, 0x05, 0x78, 0x73, 0x73, 0x0b,
    0x28, 0x00, 0x20, 0x00, 0x20, 0x01, 0x71, 0x20, 0x00, 0x20, 0x02, 0x71,
    0x73, 0x20, 0x01, 0x20, 0x02, 0x71, 0x73, 0x20, 0x00, 0x20, 0x01, 0x71,
    0x20, 0x00, 0x41, 0x7f, 0x73, 0x20, 0x02, 0x71, 0x72, 0x6a, 0x20, 0x01,
    0x20, 0x02, 0x6a, 0x6a, 0x0b, 0x1d, 0x01, 0x02, 0x7f, 0x03, 0x40, 0x20,
    0x01, 0x20, 0x00, 0x6a, 0x21, 0x01, 0x20, 0x00, 0x41, 0x03, 0x6a, 0x22,
    0x00, 0x41, 0xb8, 0x17, 0x47, 0x0d, 0x00, 0x0b, 0x20, 0x01, 0x0b, 0x13,
    0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x28, 0x02, 0x04, 0x20, 0x01, 0x41,
    0x08, 0x6a, 0x28, 0x02, 0x04, 0x6a, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x20,
    0x01, 0x36, 0x02, 0x00, 0x0b, 0x3a, 0x01, 0x01, 0x7f, 0x20, 0x00, 0x21,
    0x05, 0x20, 0x01, 0x21, 0x00, 0x20, 0x02, 0x21, 0x01, 0x20, 0x03, 0x21,
    0x02, 0x20, 0x04, 0x21, 0x03, 0x20, 0x05, 0x21, 0x04, 0x20, 0x00, 0x41,
    0x90, 0xce, 0x00, 0x6c, 0x20, 0x01, 0x41, 0xe8, 0x07, 0x6c, 0x6a, 0x20,
    0x02, 0x41, 0xe4, 0x00, 0x6c, 0x6a, 0x20, 0x03, 0x41, 0x0a, 0x6c, 0x6a,
    0x20, 0x04, 0x6a, 0x0b, 0x2e, 0x01, 0x02, 0x7f, 0x03, 0x40, 0x20, 0x00,
    0x21, 0x02, 0x20, 0x02, 0x20, 0x02, 0x41, 0x01, 0x6a, 0x21, 0x00, 0x20,
    0x00, 0x6a, 0x21, 0x00, 0x20, 0x03, 0x41, 0x01, 0x6a, 0x22, 0x03, 0x20,
    0x01, 0x49, 0x0d, 0x00, 0x0b, 0x20, 0x02, 0x41, 0xe8, 0x07, 0x6c, 0x20,
    0x00, 0x6a, 0x0b
};

uint32_t rotl(uint32_t x, uint32_t n) {
  n &= 31;
  return n ? (x << n) | (x >> (32 - n)) : x;
}
uint32_t rotr(uint32_t x, uint32_t n) { return rotl(x, 32 - (n & 31)); }

class InterpHashOps : public ::testing::Test {
 protected:
  void SetUp() override {
    inst_ = e_.instantiate(kHashOps, sizeof kHashOps);
    ASSERT_NE(inst_, nullptr);
  }
  uint32_t call(const char* name, std::vector<Value> args) {
    Outcome o = e_.call(inst_, name, args);
    EXPECT_TRUE(o.ok()) << name << ": " << Embedder::message(o.trap);
    if (!o.ok() || e_.exec().num_results() == 0) return 0;
    return static_cast<uint32_t>(e_.exec().result(0).as_i32());
  }
  static Value v(uint32_t x) { return Value::i32(static_cast<int32_t>(x)); }

  Embedder e_;
  Instance* inst_ = nullptr;
};

const uint32_t kInputs[] = {0, 1, 0x80000000u, 0xdeadbeefu, 0x12345678u, 0xffffffffu, 0x6a09e667u};

TEST_F(InterpHashOps, RotateXorChainsMatchTheSeparateOperators) {
  for (uint32_t x : kInputs) {
    for (uint32_t y : kInputs) {
      uint32_t big0 = rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22);
      uint32_t small0 = rotl(y, 7) ^ rotl(y, 50) ^ (y >> (35 & 31));
      uint32_t want = (big0 + small0) ^ (rotl(x, 33) ^ rotr(x, 5));
      EXPECT_EQ(call("sigma", {v(x), v(y)}), want) << x << " " << y;
    }
  }
}

TEST_F(InterpHashOps, MajorityAndChooseMatchTheSeparateOperators) {
  for (uint32_t a : kInputs) {
    for (uint32_t b : kInputs) {
      for (uint32_t c : kInputs) {
        uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t ch = (a & b) | (~a & c);
        EXPECT_EQ(call("maj_ch", {v(a), v(b), v(c)}), maj + ch + (b + c)) << a << " " << b << " " << c;
      }
    }
  }
}

TEST_F(InterpHashOps, LoopCounterSurvivesRunningOutOfFuelOnItsBackEdge) {
  const uint32_t want = 3 * (999 * 1000 / 2);  // 0 + 3 + ... + 2997
  EXPECT_EQ(call("count", {}), want);
  // A loop turn costs 11 units (its instructions), charged on the back-edge,
  // the fused add + compare + branch, so every slice of fuel ends there;
  // resuming must not step the counter twice.
  for (uint64_t slice : {11, 12, 16, 23}) {
    e_.exec().set_fuel(slice);
    Outcome o = e_.call(inst_, "count", {});
    int stops = 0;
    while (o.status == Outcome::Status::OutOfFuel && stops < 100000) {
      e_.exec().set_fuel(slice);
      o = e_.exec().resume();
      ++stops;
    }
    ASSERT_TRUE(o.ok()) << Embedder::message(o.trap);
    EXPECT_GT(stops, 100) << slice;
    EXPECT_EQ(static_cast<uint32_t>(e_.exec().result(0).as_i32()), want) << slice;
  }
  e_.exec().set_fuel(Execution::kUnlimitedFuel);
}

TEST_F(InterpHashOps, LoadsAtASumAndAddsOfLoadsWrapAndTrapLikeTheLoad) {
  ASSERT_TRUE(e_.call(inst_, "store_at", {v(20), v(1000)}).ok());
  ASSERT_TRUE(e_.call(inst_, "store_at", {v(24), v(7)}).ok());
  // table_sum(p, i) = load(p + i + 4) + load(i + 8 + 4)
  EXPECT_EQ(call("table_sum", {v(4), v(12)}), 1000u + 7u);
  // p + i wraps modulo 2^32 before the offset is added.
  EXPECT_EQ(call("table_sum", {v(0xfffffff0u), v(32)}), 1000u + 0u);
  Outcome o = e_.call(inst_, "table_sum", {v(65530), v(0)});
  ASSERT_EQ(o.status, Outcome::Status::Trapped);
  EXPECT_EQ(o.trap.kind, TrapKind::MemoryOutOfBounds);
}

TEST_F(InterpHashOps, CopyRunsAndPropagatedLocalsKeepEveryValue) {
  EXPECT_EQ(call("rotate5", {v(1), v(2), v(3), v(4), v(5)}), 23451u);
  // alias(a, n): n times c = a; a = c + (c + 1); then c * 1000 + a.
  auto alias = [](uint32_t a, uint32_t n) {
    uint32_t c = 0;
    uint32_t k = 0;
    do {
      c = a;
      a = c + (c + 1);
    } while (++k < n);
    return c * 1000 + a;
  };
  for (uint32_t a : {1u, 5u, 0xfffffff0u})
    for (uint32_t n : {1u, 2u, 3u, 10u}) EXPECT_EQ(call("alias", {v(a), v(n)}), alias(a, n)) << a << " " << n;
}

}  // namespace
}  // namespace continuum::engine
