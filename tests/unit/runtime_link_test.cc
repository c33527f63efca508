// Runtime tests: import resolution and its errors, cross-instance sharing of
// tables, memories and globals, segment application order, start functions,
// memory limits at instantiation, and host functions with checked views.
#include <gtest/gtest.h>
#include <string.h>

#include "runtime_test_modules.h"
#include "runtime_test_support.h"

namespace continuum::engine {
namespace {

using test::Embedder;

TEST(RuntimeLink, UnknownImportIsALinkError) {
  Embedder e;
  auto r = e.try_instantiate(test_modules::kImporter, sizeof test_modules::kImporter);
  ASSERT_FALSE(r.ok());
  EXPECT_STREQ(r.error().message, "unknown import");
}

TEST(RuntimeLink, IncompatibleImportType) {
  Embedder e;
  Instance* exporter = e.instantiate(test_modules::kExporter, sizeof test_modules::kExporter);
  ASSERT_NE(exporter, nullptr);
  // "a" "mem" names a table: wrong kind.
  ASSERT_TRUE(e.linker().define("a", "tab", exporter->find_export("tab", 3)).ok());
  ASSERT_TRUE(e.linker().define("a", "mem", exporter->find_export("tab", 3)).ok());
  ASSERT_TRUE(e.linker().define("a", "g", exporter->find_export("g", 1)).ok());
  auto r = e.try_instantiate(test_modules::kImporter, sizeof test_modules::kImporter);
  ASSERT_FALSE(r.ok());
  EXPECT_STREQ(r.error().message, "incompatible import type");

  // An immutable global where a mutable one is wanted.
  auto g = e.store().create_global(GlobalType{ValType::I32, false}, Value::i32(1));
  ASSERT_TRUE(g.ok());
  ASSERT_TRUE(e.linker().define("a", "mem", exporter->find_export("mem", 3)).ok());
  ASSERT_TRUE(e.linker().define("a", "g", ExternVal::global(g.value())).ok());
  auto r2 = e.try_instantiate(test_modules::kImporter, sizeof test_modules::kImporter);
  ASSERT_FALSE(r2.ok());
  EXPECT_STREQ(r2.error().message, "incompatible import type");
}

TEST(RuntimeLink, InstancesShareImportedTableMemoryAndGlobal) {
  Embedder e;
  Instance* exporter = e.instantiate(test_modules::kExporter, sizeof test_modules::kExporter);
  ASSERT_NE(exporter, nullptr);
  ASSERT_TRUE(e.linker().define_instance("a", *exporter).ok());
  Instance* importer = e.instantiate(test_modules::kImporter, sizeof test_modules::kImporter);
  ASSERT_NE(importer, nullptr);

  // The importer's element segment wrote into the exporter's table; the
  // exporter calls the importer's function through it (types compared
  // structurally across modules).
  ASSERT_TRUE(e.call(exporter, "call", {Value::i32(1)}).ok());
  EXPECT_EQ(e.exec().result(0).as_i32(), 99);
  ASSERT_TRUE(e.call(exporter, "call", {Value::i32(0)}).ok());
  EXPECT_EQ(e.exec().result(0).as_i32(), 42);

  // Memory writes by one are reads of the other.
  ASSERT_TRUE(e.call(importer, "write", {Value::i32(16), Value::i32(0x5eed)}).ok());
  ASSERT_TRUE(e.call(exporter, "read", {Value::i32(16)}).ok());
  EXPECT_EQ(e.exec().result(0).as_i32(), 0x5eed);
  EXPECT_EQ(exporter->memory(), importer->memory());

  // The global is one object.
  ASSERT_TRUE(e.call(importer, "bump").ok());
  ASSERT_TRUE(e.call(importer, "bump").ok());
  auto* g = static_cast<GlobalInstance*>(exporter->find_export("g", 1).ptr);
  EXPECT_EQ(global_get(g).as_i32(), 9);

  // Out of range and null entries trap with the spec's words.
  Outcome o = e.call(exporter, "call", {Value::i32(2)});
  EXPECT_EQ(o.trap.kind, TrapKind::UndefinedElement);
  EXPECT_STREQ(trap_message(o.trap.kind), "undefined element");
}

TEST(RuntimeLink, SegmentsApplyInOrderAndAnOutOfBoundsOneTraps) {
  Embedder e;
  Outcome o;
  auto r = e.try_instantiate(test_modules::kSegments, sizeof test_modules::kSegments, &o);
  ASSERT_TRUE(r.ok());  // the instance exists ...
  EXPECT_EQ(o.status, Outcome::Status::Trapped);  // ... but instantiation trapped
  EXPECT_EQ(o.trap.kind, TrapKind::MemoryOutOfBounds);
  // The first segment's bytes stay.
  MemoryView view(r.value()->memory());
  char got[2] = {};
  ASSERT_TRUE(view.read(0, got, 2));
  EXPECT_EQ(memcmp(got, "ok", 2), 0);
  // No partial write of the second.
  uint8_t last = 1;
  ASSERT_TRUE(view.read(65535, &last, 1));
  EXPECT_EQ(last, 0);
}

TEST(RuntimeLink, StartFunctionRuns) {
  Embedder e;
  Instance* inst = e.instantiate(test_modules::kStart, sizeof test_modules::kStart);
  ASSERT_NE(inst, nullptr);
  auto* g = static_cast<GlobalInstance*>(inst->find_export("g", 1).ptr);
  EXPECT_EQ(global_get(g).as_i32(), 123);
  EXPECT_FALSE(global_set(g, Value::i64(1)).ok());  // mistyped
}

TEST(RuntimeLink, MemoryAboveTheEngineLimitIsALinkError) {
  EngineConfig config;
  config.max_memory_bytes = 2 * kPageSize;
  Embedder e(config);
  auto r = e.try_instantiate(test_modules::kBigmem, sizeof test_modules::kBigmem);
  EXPECT_FALSE(r.ok());
  Embedder roomy;
  EXPECT_TRUE(roomy.try_instantiate(test_modules::kBigmem, sizeof test_modules::kBigmem).ok());
}

// ---- host functions

HostResult host_add(HostCall& call, const uint64_t* args, uint64_t* results) {
  ++*static_cast<int*>(call.user);
  results[0] = static_cast<uint32_t>(args[0] + args[1]);
  return HostResult::ok();
}

// Reports whether [ptr, ptr + len) is inside the caller's memory.
HostResult host_check(HostCall& call, const uint64_t* args, uint64_t* results) {
  MemoryView view = call.memory();
  if (!view.valid()) return HostResult::trap("no memory");
  results[0] = view.span(static_cast<uint32_t>(args[0]), static_cast<uint32_t>(args[1])) != nullptr;
  return HostResult::ok();
}

HostResult host_fail(HostCall&, const uint64_t*, uint64_t*) { return HostResult::trap("host said no"); }

HostResult host_exit(HostCall&, const uint64_t* args, uint64_t*) {
  return HostResult::exit(static_cast<int32_t>(args[0]));
}

class RuntimeHost : public ::testing::Test {
 protected:
  void SetUp() override {
    static const ValType ii[] = {ValType::I32, ValType::I32};
    static const ValType i[] = {ValType::I32};
    define("add", Signature{ii, 2, i, 1}, host_add, &calls_);
    define("check", Signature{ii, 2, i, 1}, host_check, nullptr);
    define("fail", Signature{}, host_fail, nullptr);
    define("exit", Signature{i, 1, nullptr, 0}, host_exit, nullptr);
    inst_ = e_.instantiate(test_modules::kHost, sizeof test_modules::kHost);
    ASSERT_NE(inst_, nullptr);
  }
  void define(const char* name, Signature sig, HostFunc fn, void* user) {
    auto f = e_.store().create_host_function(sig, fn, user, name);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE(e_.linker().define("env", name, ExternVal::func(f.value())).ok());
  }
  int32_t check(uint32_t ptr, uint32_t len) {
    Outcome o = e_.call(inst_, "call_check", {Value::i32(ptr), Value::i32(len)});
    EXPECT_TRUE(o.ok());
    return e_.exec().result(0).as_i32();
  }

  Embedder e_;
  Instance* inst_ = nullptr;
  int calls_ = 0;
};

TEST_F(RuntimeHost, ArgumentsAndResultsPassThroughSlots) {
  ASSERT_TRUE(e_.call(inst_, "call_add", {Value::i32(40), Value::i32(2)}).ok());
  EXPECT_EQ(e_.exec().result(0).as_i32(), 42);
  EXPECT_EQ(calls_, 1);
  // Called straight from the embedder too.
  FuncInstance* add = static_cast<FuncInstance*>(e_.linker().resolve("env", 3, "add", 3).ptr);
  Value args[] = {Value::i32(-1), Value::i32(1)};
  ASSERT_TRUE(e_.exec().call(add, args, 2).ok());
  EXPECT_EQ(e_.exec().result(0).as_i32(), 0);
  EXPECT_EQ(calls_, 2);
  Signature s = func_signature(add);
  EXPECT_EQ(s.num_params, 2u);
  EXPECT_EQ(s.num_results, 1u);
}

TEST_F(RuntimeHost, MemoryViewRefusesRangesOutsideMemory) {
  EXPECT_EQ(check(0, 65536), 1);
  EXPECT_EQ(check(65535, 1), 1);
  EXPECT_EQ(check(65536, 0), 1);
  EXPECT_EQ(check(1, 65536), 0);
  EXPECT_EQ(check(65536, 1), 0);
  EXPECT_EQ(check(0xFFFFFFF0u, 0x20), 0);  // pointer + length past 4 GiB
  EXPECT_EQ(check(0x20, 0xFFFFFFF0u), 0);
  MemoryView view(inst_->memory());
  EXPECT_EQ(view.size(), 65536u);
  EXPECT_TRUE(view.write_u32(65532, 0xabcdef01));
  EXPECT_FALSE(view.write_u32(65533, 1));
  uint32_t v = 0;
  EXPECT_TRUE(view.read_u32(65532, &v));
  EXPECT_EQ(v, 0xabcdef01u);
  EXPECT_EQ(view.span(UINT64_MAX, 2), nullptr);
}

TEST_F(RuntimeHost, HostTrapAndExitEndTheExecution) {
  Outcome o = e_.call(inst_, "call_fail");
  ASSERT_EQ(o.status, Outcome::Status::Trapped);
  EXPECT_EQ(o.trap.kind, TrapKind::Host);
  EXPECT_STREQ(o.trap.message, "host said no");
  EXPECT_EQ(Embedder::message(o.trap).rfind("host said no", 0), 0u);

  o = e_.call(inst_, "call_exit", {Value::i32(3)});
  ASSERT_EQ(o.status, Outcome::Status::Trapped);
  EXPECT_EQ(o.trap.kind, TrapKind::Exit);
  EXPECT_EQ(o.trap.exit_code, 3);
  // The execution is usable afterwards.
  ASSERT_TRUE(e_.call(inst_, "call_add", {Value::i32(1), Value::i32(2)}).ok());
  EXPECT_EQ(e_.exec().result(0).as_i32(), 3);
}

// ---- re-entrancy: a host function calling back into wasm on the same execution

struct Reentry {
  Execution* exec = nullptr;
  FuncInstance* target = nullptr;
};

HostResult host_reenter(HostCall& call, const uint64_t* args, uint64_t* results) {
  auto* r = static_cast<Reentry*>(call.user);
  Value arg = Value::i32(static_cast<int32_t>(args[0]));
  Outcome o = r->exec->call(r->target, &arg, 1);
  if (!o.ok()) return HostResult::trap(o.trap.message ? o.trap.message : trap_message(o.trap.kind));
  results[0] = static_cast<uint32_t>(r->exec->result(0).as_i32());
  return HostResult::ok();
}

TEST(RuntimeReentry, HostCallsBackIntoWasm) {
  Embedder e;
  Reentry reentry;
  reentry.exec = &e.exec();
  static const ValType i[] = {ValType::I32};
  auto f = e.store().create_host_function(Signature{i, 1, i, 1}, host_reenter, &reentry, "reenter");
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(e.linker().define("env", "reenter", ExternVal::func(f.value())).ok());
  Instance* inst = e.instantiate(test_modules::kReenter, sizeof test_modules::kReenter);
  ASSERT_NE(inst, nullptr);

  reentry.target = Embedder::func(inst, "inner");
  ASSERT_TRUE(e.call(inst, "outer", {Value::i32(3)}).ok());
  ASSERT_EQ(e.exec().num_results(), 1u);
  EXPECT_EQ(e.exec().result(0).as_i32(), 31);  // inner(3) + 1

  // A nested call cannot be suspended: running out of fuel there is a trap.
  reentry.target = Embedder::func(inst, "spin");
  e.exec().set_fuel(10000);
  Outcome o = e.call(inst, "outer", {Value::i32(0)});
  ASSERT_EQ(o.status, Outcome::Status::Trapped);
  EXPECT_EQ(o.trap.kind, TrapKind::Host);
  EXPECT_STREQ(o.trap.message, "out of fuel in a re-entrant call");
  EXPECT_FALSE(e.exec().suspended());

  e.exec().set_fuel(Execution::kUnlimitedFuel);
  reentry.target = Embedder::func(inst, "inner");
  ASSERT_TRUE(e.call(inst, "outer", {Value::i32(5)}).ok());
  EXPECT_EQ(e.exec().result(0).as_i32(), 51);
}

}  // namespace
}  // namespace continuum::engine
