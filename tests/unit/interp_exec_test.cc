// Interpreter tests: numeric edge cases, every trap kind reachable from wasm
// with its message and place, call depth exhaustion, memory limits, fuel
// (out of fuel, resume, abandon), multi-value and local shuffles.
#include <gtest/gtest.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "runtime_test_modules.h"
#include "runtime_test_support.h"

namespace continuum::engine {
namespace {

using test::Embedder;

class InterpExec : public ::testing::Test {
 protected:
  void SetUp() override {
    inst_ = e_.instantiate(test_modules::kExec, sizeof test_modules::kExec);
    ASSERT_NE(inst_, nullptr);
  }
  Value call1(const char* name, std::vector<Value> args) {
    Outcome o = e_.call(inst_, name, args);
    EXPECT_TRUE(o.ok()) << name << ": " << Embedder::message(o.trap);
    EXPECT_EQ(e_.exec().num_results(), 1u);
    return e_.exec().result(0);
  }
  Trap trap_of(const char* name, std::vector<Value> args) {
    Outcome o = e_.call(inst_, name, args);
    EXPECT_EQ(o.status, Outcome::Status::Trapped) << name;
    return o.trap;
  }
  // Byte offset of the instruction `at` bytes into the body of exported function `name`.
  uint32_t body_offset(const char* name, uint32_t at) {
    const Module& m = inst_->module();
    for (const Export& ex : m.exports)
      if (m.name_equals(ex.name, name, strlen(name)))
        return m.functions[ex.index - m.num_imported_funcs].body.offset + at;
    ADD_FAILURE() << "no export " << name;
    return 0;
  }
  uint32_t func_index(const char* name) {
    const Module& m = inst_->module();
    for (const Export& ex : m.exports)
      if (m.name_equals(ex.name, name, strlen(name))) return ex.index;
    return kNoIndex;
  }

  Embedder e_;
  Instance* inst_ = nullptr;
};

TEST_F(InterpExec, IntegerEdgeCases) {
  EXPECT_EQ(call1("div_s", {Value::i32(-7), Value::i32(2)}).as_i32(), -3);
  EXPECT_EQ(call1("rem_s", {Value::i32(-7), Value::i32(2)}).as_i32(), -1);
  // INT_MIN % -1 is 0 in wasm (and undefined behaviour in C++).
  EXPECT_EQ(call1("rem_s", {Value::i32(INT32_MIN), Value::i32(-1)}).as_i32(), 0);
  // Shift counts are taken modulo the width.
  EXPECT_EQ(call1("shl", {Value::i32(1), Value::i32(33)}).as_i32(), 2);
  EXPECT_EQ(call1("rotr64", {Value::i64(1), Value::i64(65)}).as_i64(), INT64_MIN);
  // i32 results come back with a clean upper half.
  Value v = call1("div_s", {Value::i32(-8), Value::i32(2)});
  EXPECT_EQ(v.type, ValType::I32);
  EXPECT_EQ(v.bits, 0xFFFFFFFCu);
}

TEST_F(InterpExec, FloatEdgeCases) {
  EXPECT_EQ(call1("nearest", {Value::f64(2.5)}).as_f64(), 2.0);  // ties to even
  EXPECT_EQ(call1("nearest", {Value::f64(3.5)}).as_f64(), 4.0);
  Value neg_zero = call1("nearest", {Value::f64(-0.4)});
  EXPECT_EQ(neg_zero.bits, 0x8000000000000000ull);
  // min(-0, +0) is -0 whichever way round; min with NaN is NaN.
  EXPECT_EQ(call1("min", {Value::f32(0.0f), Value::f32(-0.0f)}).bits, 0x80000000u);
  EXPECT_EQ(call1("min", {Value::f32(-0.0f), Value::f32(0.0f)}).bits, 0x80000000u);
  EXPECT_TRUE(isnan(call1("min", {Value::f32(NAN), Value::f32(1.0f)}).as_f32()));
  EXPECT_EQ(call1("trunc", {Value::f64(-2147483648.9)}).as_i32(), INT32_MIN);
  EXPECT_EQ(call1("trunc", {Value::f64(2147483647.9)}).as_i32(), INT32_MAX);
  EXPECT_EQ(call1("trunc_sat_u", {Value::f64(-5.0)}).as_i32(), 0);
  EXPECT_EQ(static_cast<uint32_t>(call1("trunc_sat_u", {Value::f64(1e20)}).as_i32()), UINT32_MAX);
  EXPECT_EQ(call1("trunc_sat_u", {Value::f64(NAN)}).as_i32(), 0);
}

TEST_F(InterpExec, TrapKindsMessagesAndPlaces) {
  Trap t = trap_of("div_s", {Value::i32(1), Value::i32(0)});
  EXPECT_EQ(t.kind, TrapKind::IntegerDivideByZero);
  EXPECT_EQ(t.function, func_index("div_s"));
  EXPECT_EQ(t.offset, body_offset("div_s", 4));  // after two local.gets
  char expected[96];
  snprintf(expected, sizeof expected, "integer divide by zero (function %u, offset 0x%x)", t.function,
           t.offset);
  EXPECT_EQ(Embedder::message(t), expected);

  EXPECT_EQ(trap_of("div_s", {Value::i32(INT32_MIN), Value::i32(-1)}).kind, TrapKind::IntegerOverflow);
  EXPECT_EQ(trap_of("trunc", {Value::f64(NAN)}).kind, TrapKind::InvalidConversion);
  EXPECT_EQ(trap_of("trunc", {Value::f64(2147483648.0)}).kind, TrapKind::IntegerOverflow);
  EXPECT_STREQ(trap_message(TrapKind::InvalidConversion), "invalid conversion to integer");

  Trap u = trap_of("unreachable", {});
  EXPECT_EQ(u.kind, TrapKind::Unreachable);
  EXPECT_EQ(u.offset, body_offset("unreachable", 0));

  // load offset=4: the last in-bounds address is 65536 - 8.
  EXPECT_EQ(call1("load", {Value::i32(65528)}).as_i32(), 0);
  Trap m = trap_of("load", {Value::i32(65529)});
  EXPECT_EQ(m.kind, TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(m.offset, body_offset("load", 2));
  // address + offset must not wrap around 32 bits.
  EXPECT_EQ(trap_of("load", {Value::i32(-2)}).kind, TrapKind::MemoryOutOfBounds);
}

TEST_F(InterpExec, RunawayRecursionExhaustsTheCallStack) {
  Trap t = trap_of("recurse", {Value::i32(0)});
  EXPECT_EQ(t.kind, TrapKind::CallStackExhausted);
  EXPECT_EQ(Embedder::message(t).rfind("call stack exhausted", 0), 0u);
  // The execution is usable afterwards.
  EXPECT_EQ(call1("div_s", {Value::i32(9), Value::i32(3)}).as_i32(), 3);
}

TEST(InterpLimits, SmallValueStackAndCallDepth) {
  EngineConfig config;
  config.value_stack_slots = 1000;
  config.max_call_depth = 100000;  // the value stack runs out first
  Embedder e(config);
  Instance* inst = e.instantiate(test_modules::kExec, sizeof test_modules::kExec);
  ASSERT_NE(inst, nullptr);
  Outcome o = e.call(inst, "recurse", {Value::i32(0)});
  EXPECT_EQ(o.trap.kind, TrapKind::CallStackExhausted);

  EngineConfig shallow;
  shallow.max_call_depth = 10;
  Embedder e2(shallow);
  inst = e2.instantiate(test_modules::kExec, sizeof test_modules::kExec);
  ASSERT_NE(inst, nullptr);
  EXPECT_EQ(e2.call(inst, "recurse", {Value::i32(0)}).trap.kind, TrapKind::CallStackExhausted);
}

TEST(InterpLimits, MemoryGrowStopsAtTheEngineLimit) {
  EngineConfig config;
  config.max_memory_bytes = 2 * kPageSize;  // the module allows 3 pages
  Embedder e(config);
  Instance* inst = e.instantiate(test_modules::kExec, sizeof test_modules::kExec);
  ASSERT_NE(inst, nullptr);
  ASSERT_TRUE(e.call(inst, "grow", {Value::i32(1)}).ok());
  EXPECT_EQ(e.exec().result(0).as_i32(), 1);  // old size
  ASSERT_TRUE(e.call(inst, "grow", {Value::i32(1)}).ok());
  EXPECT_EQ(e.exec().result(0).as_i32(), -1);
  EXPECT_EQ(memory_pages(inst->memory()), 2u);
  // The grown page is usable (the interpreter reloaded its memory base).
  ASSERT_TRUE(e.call(inst, "store_load", {Value::i32(70000), Value::i64(0x1122334455667788)}).ok());
  EXPECT_EQ(e.exec().result(0).as_i64(), 0x1122334455667788);
}

TEST_F(InterpExec, MemoryGrowRespectsTheDeclaredMaximum) {
  EXPECT_EQ(call1("grow", {Value::i32(2)}).as_i32(), 1);
  EXPECT_EQ(call1("grow", {Value::i32(1)}).as_i32(), -1);  // max 3
  EXPECT_EQ(call1("grow", {Value::i32(0)}).as_i32(), 3);
}

TEST_F(InterpExec, MultiValueAndBlockParameters) {
  ASSERT_TRUE(e_.call(inst_, "swap", {Value::i32(7), Value::i64(-9)}).ok());
  ASSERT_EQ(e_.exec().num_results(), 2u);
  EXPECT_EQ(e_.exec().result(0).type, ValType::I64);
  EXPECT_EQ(e_.exec().result(0).as_i64(), -9);
  EXPECT_EQ(e_.exec().result(1).as_i32(), 7);

  ASSERT_TRUE(e_.call(inst_, "block_params", {Value::i32(3), Value::i32(4)}).ok());
  ASSERT_EQ(e_.exec().num_results(), 2u);
  EXPECT_EQ(e_.exec().result(0).as_i32(), 7);
  EXPECT_EQ(e_.exec().result(1).as_i32(), 10);
}

TEST_F(InterpExec, LazyLocalReadsSurviveOverwrites) {
  // local.get 0, local.get 1, local.set 0, local.set 1 swaps the two locals.
  EXPECT_EQ(call1("tee_swap", {Value::i32(1), Value::i32(2)}).as_i32(), 201);
  EXPECT_EQ(call1("lt_branch", {Value::i32(4)}).as_i32(), 0);
  EXPECT_EQ(call1("lt_branch", {Value::i32(5)}).as_i32(), 1);
}

TEST_F(InterpExec, OutOfFuelThenResumeGivesTheUninterruptedResult) {
  const int32_t n = 100000;
  const int64_t expected = int64_t(n) * (n + 1) / 2;
  EXPECT_EQ(call1("sum", {Value::i32(n)}).as_i64(), expected);

  e_.exec().set_fuel(1000);
  uint64_t consumed_before = e_.exec().fuel_consumed();
  Outcome o = e_.call(inst_, "sum", {Value::i32(n)});
  ASSERT_EQ(o.status, Outcome::Status::OutOfFuel);
  EXPECT_TRUE(e_.exec().suspended());
  int stops = 1;
  while (o.status == Outcome::Status::OutOfFuel) {
    e_.exec().set_fuel(1000);
    o = e_.exec().resume();
    ++stops;
  }
  ASSERT_TRUE(o.ok());
  EXPECT_GT(stops, 100);  // about 10 units per iteration
  EXPECT_FALSE(e_.exec().suspended());
  ASSERT_EQ(e_.exec().num_results(), 1u);
  EXPECT_EQ(e_.exec().result(0).as_i64(), expected);
  // Every unit given was used except what the last slice left over.
  EXPECT_GE(e_.exec().fuel_consumed() - consumed_before, uint64_t(n));
}

TEST_F(InterpExec, AbandonDropsASuspendedCall) {
  e_.exec().set_fuel(50);
  Outcome o = e_.call(inst_, "sum", {Value::i32(1000000)});
  ASSERT_EQ(o.status, Outcome::Status::OutOfFuel);
  // A new call is refused while suspended ...
  EXPECT_EQ(e_.call(inst_, "div_s", {Value::i32(4), Value::i32(2)}).status, Outcome::Status::Trapped);
  e_.exec().abandon();
  EXPECT_FALSE(e_.exec().suspended());
  e_.exec().set_fuel(Execution::kUnlimitedFuel);
  EXPECT_EQ(call1("div_s", {Value::i32(4), Value::i32(2)}).as_i32(), 2);
  // ... and resume() after abandon() has nothing to continue.
  EXPECT_EQ(e_.exec().resume().status, Outcome::Status::Trapped);
}

TEST_F(InterpExec, InfiniteRecursionRunsOutOfFuelToo) {
  e_.exec().set_fuel(10000);
  Outcome o = e_.call(inst_, "recurse", {Value::i32(0)});
  // Either limit may come first, but the call must stop.
  EXPECT_NE(o.status, Outcome::Status::Ok);
  e_.exec().abandon();
}

TEST_F(InterpExec, WrongArgumentsAreRefused) {
  EXPECT_EQ(e_.call(inst_, "div_s", {Value::i32(1)}).status, Outcome::Status::Trapped);
  EXPECT_EQ(e_.call(inst_, "div_s", {Value::i32(1), Value::i64(1)}).status, Outcome::Status::Trapped);
}

// Superinstructions the compiler forms (shift/rotate + combine, add + load)
// must compute exactly what the separate instructions do.
uint32_t rotl32(uint32_t x, unsigned n) { return n ? (x << n) | (x >> (32 - n)) : x; }

TEST(InterpFused, ShiftCombineChainsMatchTheSeparateOperators) {
  Embedder e;
  Instance* inst = e.instantiate(test_modules::kFused, sizeof test_modules::kFused);
  ASSERT_NE(inst, nullptr);
  const uint32_t inputs[] = {0, 1, 0x80000000u, 0xdeadbeefu, 0x12345678u, 0xffffffffu};
  for (uint32_t x : inputs) {
    for (uint32_t y : inputs) {
      uint32_t want = y ^ rotl32(x, 7);
      want += rotl32(x, 32 - 18);
      want |= x >> 3;
      want &= x << 5;
      want ^= static_cast<uint32_t>(static_cast<int32_t>(x) >> 1);
      ASSERT_TRUE(e.call(inst, "sigma", {Value::i32(static_cast<int32_t>(x)), Value::i32(static_cast<int32_t>(y))}).ok());
      EXPECT_EQ(static_cast<uint32_t>(e.exec().result(0).as_i32()), want) << x << " " << y;
    }
  }
}

TEST(InterpFused, AddressPlusConstantWrapsBeforeTheOffset) {
  Embedder e;
  Instance* inst = e.instantiate(test_modules::kFused, sizeof test_modules::kFused);
  ASSERT_NE(inst, nullptr);
  ASSERT_TRUE(e.call(inst, "store_at", {Value::i32(12), Value::i32(111)}).ok());
  ASSERT_TRUE(e.call(inst, "store_at", {Value::i32(8), Value::i32(222)}).ok());
  ASSERT_TRUE(e.call(inst, "load_at", {Value::i32(0)}).ok());  // 0 + 8 + 4
  EXPECT_EQ(e.exec().result(0).as_i32(), 111);
  ASSERT_TRUE(e.call(inst, "load_at", {Value::i32(-4)}).ok());  // (2^32 - 4 + 8) mod 2^32 + 4
  EXPECT_EQ(e.exec().result(0).as_i32(), 222);
  Outcome o = e.call(inst, "load_at", {Value::i32(65528)});  // 65540 + 4 bytes: out of bounds
  ASSERT_EQ(o.status, Outcome::Status::Trapped);
  EXPECT_EQ(o.trap.kind, TrapKind::MemoryOutOfBounds);
  // The trap is the load's, not the add's: local.get, i32.const, i32.add come first.
  const Module& m = inst->module();
  EXPECT_EQ(o.trap.offset, m.functions[1].body.offset + 5);
}

}  // namespace
}  // namespace continuum::engine
