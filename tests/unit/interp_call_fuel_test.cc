// A call charges the callee's entry fuel itself (the interpreter skips the
// callee's "Fuel" instruction when the fuel suffices): running out exactly
// there must stop before the callee runs and resume() must continue as if
// nothing happened, using the same fuel in total as an uninterrupted run.
#include <gtest/gtest.h>

#include "runtime_test_support.h"

namespace continuum::engine {
namespace {

using test::Embedder;

// (module
//   (func $inc (param i32) (result i32) local.get 0 i32.const 3 i32.add)
//   (func (export "calls") (param i32) (result i32) (local i32)
//     loop
//       local.get 1 call $inc local.set 1
//       local.get 0 i32.const -1 i32.add local.tee 0 br_if 0
//     end
//     local.get 1))
constexpr uint8_t kCalls[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x03, 0x03, 0x02, 0x00, 0x00, 0x07, 0x09, 0x01,
    0x05, 0x63, 0x61, 0x6c, 0x6c, 0x73, 0x00, 0x01, 0x0a, 0x22, 0x02, 0x07,
    0x00, 0x20, 0x00, 0x41, 0x03, 0x6a, 0x0b, 0x18, 0x01, 0x01, 0x7f, 0x03,
    0x40, 0x20, 0x01, 0x10, 0x00, 0x21, 0x01, 0x20, 0x00, 0x41, 0x7f, 0x6a,
    0x22, 0x00, 0x0d, 0x00, 0x0b, 0x20, 0x01, 0x0b,
};

TEST(InterpCallFuel, SlicesOfFuelEndAtCallsAndResumeExactly) {
  Embedder e;
  Instance* inst = e.instantiate(kCalls, sizeof kCalls);
  ASSERT_NE(inst, nullptr);
  const int32_t n = 1000;
  uint64_t before = e.exec().fuel_consumed();
  Outcome whole = e.call(inst, "calls", {Value::i32(n)});
  ASSERT_TRUE(whole.ok()) << Embedder::message(whole.trap);
  EXPECT_EQ(e.exec().result(0).as_i32(), 3 * n);
  const uint64_t whole_fuel = e.exec().fuel_consumed() - before;
  // Every turn pays for the loop's instructions and the callee's (12 units
  // in all), so a callee entered without its charge would show here.
  EXPECT_GE(whole_fuel, uint64_t(n) * 11);
  // A loop turn costs 12 units (the loop's back-edge charge plus the
  // callee's entry charge); a slice must cover the larger charge to make
  // progress. Slices around a turn end at every point of it, the callee's
  // entry included.
  for (uint64_t slice : {13, 14, 15, 16, 17, 19, 23}) {
    before = e.exec().fuel_consumed();
    e.exec().set_fuel(slice);
    Outcome o = e.call(inst, "calls", {Value::i32(n)});
    int stops = 0;
    while (o.status == Outcome::Status::OutOfFuel && stops < 1000000) {
      e.exec().set_fuel(slice);
      o = e.exec().resume();
      ++stops;
    }
    ASSERT_TRUE(o.ok()) << slice << ": " << Embedder::message(o.trap);
    EXPECT_GT(stops, n / 10) << slice;
    EXPECT_EQ(e.exec().result(0).as_i32(), 3 * n) << slice;
    EXPECT_EQ(e.exec().fuel_consumed() - before, whole_fuel) << slice;
  }
  e.exec().set_fuel(Execution::kUnlimitedFuel);
}

}  // namespace
}  // namespace continuum::engine
