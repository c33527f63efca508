// A small embedder for the runtime and interpreter unit tests: one store,
// linker and execution; modules are decoded from bytes and kept alive for
// the test's duration.
#pragma once

#include <gtest/gtest.h>
#include <string.h>

#include <string>
#include <vector>

#include "continuum/engine/module.h"
#include "continuum/engine/port.h"
#include "continuum/engine/runtime.h"

namespace continuum::engine::test {

inline EngineConfig default_config() { return EngineConfig{}; }

class Embedder {
 public:
  explicit Embedder(const EngineConfig& config = default_config())
      : alloc_(port::system_allocator()), store_(alloc_, config), linker_(alloc_) {
    auto e = create_execution(store_);
    EXPECT_TRUE(e.ok());
    if (e.ok()) exec_ = e.take();
  }

  Store& store() { return store_; }
  Linker& linker() { return linker_; }
  Execution& exec() { return *exec_; }

  const Module* decode(const uint8_t* bytes, size_t size) {
    auto m = decode_module(alloc_, bytes, size);
    EXPECT_TRUE(m.ok()) << "module does not decode";
    if (!m.ok()) return nullptr;
    modules_.push_back(m.take());
    return modules_.back().get();
  }

  // Instantiates; the link result is returned, the start/segment outcome in *outcome.
  Result<Instance*> try_instantiate(const uint8_t* bytes, size_t size, Outcome* outcome = nullptr) {
    const Module* m = decode(bytes, size);
    if (m == nullptr) return Error::at("decode failed", 0);
    Outcome o;
    auto r = engine::instantiate(store_, *m, linker_, *exec_, &o);
    if (outcome) *outcome = o;
    return r;
  }

  Instance* instantiate(const uint8_t* bytes, size_t size) {
    Outcome o;
    auto r = try_instantiate(bytes, size, &o);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : message(r.error()));
    EXPECT_TRUE(o.ok());
    return r.ok() ? r.value() : nullptr;
  }

  static FuncInstance* func(Instance* inst, const char* name) {
    ExternVal v = inst->find_export(name, strlen(name));
    EXPECT_EQ(v.kind, ExternKind::Func) << name;
    EXPECT_FALSE(v.is_null()) << name;
    return static_cast<FuncInstance*>(v.ptr);
  }

  Outcome call(Instance* inst, const char* name, std::vector<Value> args = {}) {
    return exec_->call(func(inst, name), args.data(), args.size());
  }

  static std::string message(const Error& e) {
    char buf[256];
    format_error(e, buf, sizeof buf);
    return buf;
  }
  static std::string message(const Trap& t) {
    char buf[256];
    format_trap(t, buf, sizeof buf);
    return buf;
  }

 private:
  Allocator& alloc_;
  std::vector<Box<Module>> modules_;  // outlive the store's instances
  Store store_;
  Linker linker_;
  Box<Execution> exec_;
};

}  // namespace continuum::engine::test
