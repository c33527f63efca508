// Instance snapshots (engine/include/continuum/engine/snapshot.h): state
// round trips between stores, an EMA continues exactly, and every bad input
// (other module, truncation at every length, flipped bytes, unsupported
// references, a suspended call) is refused with a clear error.
#include <gtest/gtest.h>
#include <string.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "continuum/engine/module.h"
#include "continuum/engine/port.h"
#include "continuum/engine/runtime.h"
#include "continuum/engine/snapshot.h"
#include "snapshot_test_modules.h"

namespace continuum::engine {
namespace {

using Bytes = std::vector<uint8_t>;

struct VectorSink final : SnapshotSink {
  Bytes bytes;
  bool write(const uint8_t* data, size_t size) override {
    bytes.insert(bytes.end(), data, data + size);
    return true;
  }
};

// Hands out its bytes in pieces of at most `piece` bytes, as a network would.
struct SpanSource final : SnapshotSource {
  const uint8_t* data;
  size_t size;
  size_t piece;
  size_t pos = 0;
  SpanSource(const uint8_t* d, size_t n, size_t p = 1000) : data(d), size(n), piece(p) {}
  size_t read(uint8_t* out, size_t n) override {
    size_t take = n < size - pos ? n : size - pos;
    if (take > piece) take = piece;
    if (take > 0) memcpy(out, data + pos, take);
    pos += take;
    return take;
  }
};

HostResult host_42(HostCall&, const uint64_t*, uint64_t* results) {
  results[0] = 42;
  return HostResult::ok();
}

std::string text(const Error& e) {
  char buf[256];
  format_error(e, buf, sizeof buf);
  return buf;
}

// One node's engine: its own store, linker (with env.host) and execution.
class Node {
 public:
  Node() : store_(port::system_allocator(), EngineConfig{}), linker_(port::system_allocator()) {
    static const ValType kI32[] = {ValType::I32};
    auto host = store_.create_host_function(Signature{nullptr, 0, kI32, 1}, host_42, nullptr, "env.host");
    EXPECT_TRUE(host.ok());
    EXPECT_TRUE(linker_.define("env", "host", ExternVal::func(host.value())).ok());
    auto e = create_execution(store_);
    EXPECT_TRUE(e.ok());
    exec_ = e.take();
  }

  Instance* load(const uint8_t* bytes, size_t size, bool run_start = true) {
    auto m = decode_module(port::system_allocator(), bytes, size);
    EXPECT_TRUE(m.ok());
    if (!m.ok()) return nullptr;
    modules_.push_back(m.take());
    Outcome o;
    InstantiateOptions options;
    options.run_start = run_start;
    auto inst = instantiate(store_, *modules_.back(), linker_, *exec_, &o, Tier::Interpreter, options);
    EXPECT_TRUE(inst.ok());
    EXPECT_TRUE(o.ok());
    return inst.ok() ? inst.value() : nullptr;
  }
  Instance* load_state(bool run_start = true) {
    return load(test_modules::kSnapshotState, sizeof test_modules::kSnapshotState, run_start);
  }

  Value call(Instance* inst, const char* name, std::vector<Value> args = {}) {
    ExternVal v = inst->find_export(name, strlen(name));
    EXPECT_EQ(v.kind, ExternKind::Func) << name;
    Outcome o = exec_->call(static_cast<FuncInstance*>(v.ptr), args.data(), args.size());
    EXPECT_TRUE(o.ok()) << name;
    return exec_->num_results() > 0 && o.ok() ? exec_->result(0) : Value{};
  }

  Bytes snapshot(Instance* inst) {
    VectorSink sink;
    auto r = write_snapshot(*inst, *exec_, sink);
    EXPECT_TRUE(r.ok()) << text(r.error());
    return sink.bytes;
  }
  Result<void> restore(Instance* inst, const Bytes& bytes, size_t piece = 1000) {
    SpanSource source(bytes.data(), bytes.size(), piece);
    return restore_snapshot(*inst, *exec_, source);
  }

  Execution& exec() { return *exec_; }

 private:
  std::vector<Box<Module>> modules_;  // outlive the store
  Store store_;
  Linker linker_;
  Box<Execution> exec_;
};

uint32_t u32_at(const Bytes& b, size_t at) {
  return uint32_t(b[at]) | uint32_t(b[at + 1]) << 8 | uint32_t(b[at + 2]) << 16 | uint32_t(b[at + 3]) << 24;
}

// Offset of the first global record: after the 60-byte header and the one
// memory (pages, then runs of (kind, count[, blocks])).
size_t globals_offset(const Bytes& snap) {
  size_t at = 60;
  uint64_t blocks = uint64_t(u32_at(snap, at)) * (kPageSize / kSnapshotBlockBytes);
  at += 4;
  while (blocks > 0) {
    uint8_t kind = snap[at];
    uint32_t count = u32_at(snap, at + 1);
    at += 5 + (kind == 1 ? size_t(count) * kSnapshotBlockBytes : 0);
    blocks -= count;
  }
  return at;
}

TEST(Snapshot, RoundTripOfMemoriesGlobalsTablesAndSegments) {
  Node source;
  Instance* a = source.load_state();
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(source.call(a, "count").as_i32(), 100);  // the start function ran once
  source.call(a, "ema", {Value::f64(10.0)});
  EXPECT_EQ(source.call(a, "grow", {Value::i32(2)}).as_i32(), 1);
  source.call(a, "store", {Value::i32(2 * 65536 + 100), Value::i32(0x12345678)});
  source.call(a, "init_data", {Value::i32(4000)});
  source.call(a, "drop_data");
  EXPECT_EQ(source.call(a, "table_grow", {Value::i32(5)}).as_i32(), 4);
  source.call(a, "init_elem", {Value::i32(6)});
  source.call(a, "drop_elem");
  source.call(a, "set_fref");
  source.call(a, "host_to_slot", {Value::i32(8)});
  Bytes snap = source.snapshot(a);

  Node target;
  Instance* b = target.load_state(/*run_start=*/false);
  ASSERT_NE(b, nullptr);
  auto restored = target.restore(b, snap, 7);  // small pieces exercise the streaming reader
  ASSERT_TRUE(restored.ok()) << text(restored.error());
  // A snapshot of the restored instance is the same snapshot.
  EXPECT_EQ(target.snapshot(b), snap);
  EXPECT_EQ(target.call(b, "count").as_i32(), 101);  // not 201: the start function did not run again
  EXPECT_EQ(target.call(b, "k").as_i64(), 42);
  EXPECT_EQ(target.call(b, "load", {Value::i32(2 * 65536 + 100)}).as_i32(), 0x12345678);
  EXPECT_EQ(target.call(b, "load", {Value::i32(16)}).as_i32(), 0x74696e69);  // "init"
  EXPECT_EQ(target.call(b, "load", {Value::i32(4000)}).as_i32(), 0x6c6c6568);  // "hell"
  EXPECT_EQ(target.call(b, "grow", {Value::i32(0)}).as_i32(), 3);
  EXPECT_EQ(target.call(b, "table_size").as_i32(), 9);
  EXPECT_EQ(target.call(b, "call_slot", {Value::i32(0)}).as_i32(), 7);   // active segment
  EXPECT_EQ(target.call(b, "call_slot", {Value::i32(6)}).as_i32(), 8);   // table.init
  EXPECT_EQ(target.call(b, "call_slot", {Value::i32(7)}).as_i32(), 7);
  EXPECT_EQ(target.call(b, "call_slot", {Value::i32(8)}).as_i32(), 42);  // the import, resolved here
  EXPECT_EQ(target.call(b, "is_null_slot", {Value::i32(5)}).as_i32(), 1);
  target.call(b, "fref_to_slot", {Value::i32(1)});
  EXPECT_EQ(target.call(b, "call_slot", {Value::i32(1)}).as_i32(), 8);  // the funcref global
  // Dropped segments stay dropped: a non-empty init from them traps.
  ExternVal init = b->find_export("init_data", 9);
  Value at = Value::i32(0);
  EXPECT_EQ(target.exec().call(static_cast<FuncInstance*>(init.ptr), &at, 1).status, Outcome::Status::Trapped);
  ExternVal init_elem = b->find_export("init_elem", 9);
  EXPECT_EQ(target.exec().call(static_cast<FuncInstance*>(init_elem.ptr), &at, 1).status,
            Outcome::Status::Trapped);
}

TEST(Snapshot, EmaContinuesExactlyInANewStore) {
  std::vector<double> inputs;
  for (int i = 0; i < 40; ++i) inputs.push_back(20.0 + (i * 7919 % 13) * 0.37);
  Node reference;
  Instance* r = reference.load_state();
  std::vector<uint64_t> expected;
  for (double x : inputs) expected.push_back(reference.call(r, "ema", {Value::f64(x)}).bits);

  Node before;
  Instance* a = before.load_state();
  for (size_t i = 0; i < 17; ++i) EXPECT_EQ(before.call(a, "ema", {Value::f64(inputs[i])}).bits, expected[i]);
  Bytes snap = before.snapshot(a);
  Node after;
  Instance* b = after.load_state(false);
  ASSERT_TRUE(after.restore(b, snap).ok());
  for (size_t i = 17; i < inputs.size(); ++i)
    EXPECT_EQ(after.call(b, "ema", {Value::f64(inputs[i])}).bits, expected[i]) << "input " << i;
  EXPECT_EQ(after.call(b, "count").as_i32(), 100 + int(inputs.size()));
}

TEST(Snapshot, MostlyEmptyLargeMemoryStaysSmall) {
  Node n;
  Instance* a = n.load_state();
  EXPECT_EQ(n.call(a, "grow", {Value::i32(255)}).as_i32(), 1);  // 16 MiB
  n.call(a, "store", {Value::i32(200 * 65536), Value::i32(1)});
  Bytes snap = n.snapshot(a);
  // Two 4 KiB data blocks (the segment at 16, the word at 200 pages) plus a few runs.
  EXPECT_LT(snap.size(), 3 * kSnapshotBlockBytes);
  Node t;
  Instance* b = t.load_state(false);
  ASSERT_TRUE(t.restore(b, snap).ok());
  EXPECT_EQ(t.call(b, "load", {Value::i32(200 * 65536)}).as_i32(), 1);
  EXPECT_EQ(t.call(b, "grow", {Value::i32(0)}).as_i32(), 256);
}

TEST(Snapshot, RestoreIntoADifferentModuleIsRefused) {
  Node n;
  Bytes snap = n.snapshot(n.load_state());
  Instance* other = n.load(test_modules::kSnapshotOther, sizeof test_modules::kSnapshotOther, false);
  auto r = n.restore(other, snap);
  ASSERT_FALSE(r.ok());
  EXPECT_STREQ(r.error().message, "snapshot was taken from a different module");
  EXPECT_EQ(r.error().offset, 40u);
}

TEST(Snapshot, HeaderErrorsNameTheProblemAndOffset) {
  Node n;
  Bytes snap = n.snapshot(n.load_state());
  Bytes bad_magic = snap;
  bad_magic[0] = 'X';
  auto r = n.restore(n.load_state(false), bad_magic);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(text(r.error()), "not a Continuum snapshot (bad magic) (offset 0x4)");
  Bytes bad_version = snap;
  bad_version[4] = 2;
  r = n.restore(n.load_state(false), bad_version);
  ASSERT_FALSE(r.ok());
  EXPECT_STREQ(r.error().message, "unsupported snapshot format version");
  EXPECT_EQ(r.error().offset, 8u);
  Bytes longer = snap;
  longer.push_back(0);
  r = n.restore(n.load_state(false), longer);
  ASSERT_FALSE(r.ok());
  EXPECT_STREQ(r.error().message, "bytes after the end of the snapshot");
}

TEST(Snapshot, GlobalTypeAndMutabilityAreCheckedOnRestore) {
  Node n;
  Bytes snap = n.snapshot(n.load_state());
  size_t g = globals_offset(snap);  // $ema: f64, mutable
  ASSERT_EQ(snap[g], 0x7C);
  ASSERT_EQ(snap[g + 1], 1);
  Bytes immutable = snap;
  immutable[g + 1] = 0;
  auto r = n.restore(n.load_state(false), immutable);
  ASSERT_FALSE(r.ok());
  EXPECT_STREQ(r.error().message, "global mutability differs from the module's");
  EXPECT_EQ(r.error().offset, g + 10);
  Bytes retyped = snap;
  retyped[g] = 0x7E;
  r = n.restore(n.load_state(false), retyped);
  ASSERT_FALSE(r.ok());
  EXPECT_STREQ(r.error().message, "global type differs from the module's");
}

TEST(Snapshot, EveryTruncationIsRefused) {
  Node n;
  Instance* a = n.load_state();
  n.call(a, "ema", {Value::f64(3.0)});
  Bytes snap = n.snapshot(a);
  for (size_t len = 0; len < snap.size(); ++len) {
    Bytes cut(snap.begin(), snap.begin() + len);
    Node t;
    auto r = t.restore(t.load_state(false), cut);
    ASSERT_FALSE(r.ok()) << "length " << len;
    EXPECT_LE(r.error().offset, len) << "length " << len;
  }
}

TEST(Snapshot, FlippedBytesAreRefusedWithoutACrash) {
  Node n;
  Instance* a = n.load_state();
  n.call(a, "ema", {Value::f64(3.0)});
  n.call(a, "table_grow", {Value::i32(3)});
  Bytes snap = n.snapshot(a);
  std::mt19937 rng(20261121);
  Node t;  // one store for all attempts: each restore goes into a new instance
  for (int i = 0; i < 3000; ++i) {
    Bytes bad = snap;
    size_t at = rng() % bad.size();
    bad[at] ^= static_cast<uint8_t>(1 + rng() % 255);
    auto r = t.restore(t.load_state(false), bad);
    EXPECT_FALSE(r.ok()) << "flip at " << at;  // the trailing digest catches what the checks do not
  }
}

TEST(Snapshot, ExternrefAndForeignFunctionsAreRefused) {
  Node n;
  Instance* a = n.load_state();
  n.call(a, "set_eref", {Value::ref(ValType::ExternRef, 0x1234)});
  VectorSink sink;
  auto r = write_snapshot(*a, n.exec(), sink);
  ASSERT_FALSE(r.ok());
  EXPECT_STREQ(r.error().message, "a non-null externref cannot be saved in a snapshot");

  Instance* b = n.load_state();
  ExternVal foreign = a->find_export("count", 5);
  n.call(b, "set_slot", {Value::i32(2), Value::ref(ValType::FuncRef, reinterpret_cast<uintptr_t>(foreign.ptr))});
  r = write_snapshot(*b, n.exec(), sink);
  ASSERT_FALSE(r.ok());
  EXPECT_STREQ(r.error().message,
               "a reference to a function of another instance cannot be saved in a snapshot");
}

TEST(Snapshot, RefusedWhileACallIsSuspended) {
  Node n;
  Instance* a = n.load_state();
  ExternVal spin = a->find_export("spin", 4);
  n.exec().set_fuel(1000);
  ASSERT_EQ(n.exec().call(static_cast<FuncInstance*>(spin.ptr), nullptr, 0).status,
            Outcome::Status::OutOfFuel);
  VectorSink sink;
  auto r = write_snapshot(*a, n.exec(), sink);
  ASSERT_FALSE(r.ok());
  EXPECT_STREQ(r.error().message, "cannot snapshot during a suspended call: resume or abandon it first");
  n.exec().abandon();
  n.exec().set_fuel(Execution::kUnlimitedFuel);
  EXPECT_TRUE(write_snapshot(*a, n.exec(), sink).ok());
}

struct FailingSink final : SnapshotSink {
  size_t budget;
  explicit FailingSink(size_t b) : budget(b) {}
  bool write(const uint8_t*, size_t size) override {
    if (size > budget) return false;
    budget -= size;
    return true;
  }
};

TEST(Snapshot, ASinkThatFailsIsReported) {
  Node n;
  Instance* a = n.load_state();
  FailingSink sink(100);
  auto r = write_snapshot(*a, n.exec(), sink);
  ASSERT_FALSE(r.ok());
  EXPECT_STREQ(r.error().message, "snapshot output refused the bytes");
}

}  // namespace
}  // namespace continuum::engine
