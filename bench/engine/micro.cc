// Micro-benchmarks of the engine's fixed costs (Google Benchmark):
//   - one call from wasm to a host function (target: < 50 ns), separated from
//     the cost of the loop around it and compared with a wasm-to-wasm call;
//   - one call from the embedder into wasm;
//   - decode + validate, instantiate, and first call of a ~20 KB module
//     (target for all three together: < 1 ms).
// Every benchmark checks the value the module returns against a result
// computed in C++, so a broken engine reports an error instead of a time.
//
//   - optionally, start-up of a real WASI program (decode, WASI imports,
//     instantiate, `_start` with the argument "0", i.e. no work):
//     --wasi_program=build/bench-engine/wasm/coremark_mix.wasm
//
//   bench_engine_micro [--benchmark_filter=...] [--wasi_program=FILE] [--dump_modules=DIR]
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "continuum/engine/module.h"
#include "continuum/engine/port.h"
#include "continuum/engine/runtime.h"
#include "continuum/wasi/wasi.h"
#include "test_modules.h"

namespace continuum::bench {
namespace {

using engine::Allocator;
using engine::Box;
using engine::Execution;
using engine::ExternKind;
using engine::ExternVal;
using engine::FuncInstance;
using engine::HostCall;
using engine::HostResult;
using engine::Instance;
using engine::Linker;
using engine::Module;
using engine::Outcome;
using engine::Store;
using engine::Value;

// Functions in the ~20 KB generated module (20237 bytes at 180).
constexpr uint32_t kGeneratedFuncs = 180;
// Calls per iteration of the call-cost loops.
constexpr uint32_t kLoopCalls = 100000;

Allocator& heap() { return engine::port::system_allocator(); }

std::string describe(const engine::Error& e) {
  char buf[256];
  engine::format_error(e, buf, sizeof buf);
  return buf;
}

std::string describe(const Outcome& o) {
  if (o.status == Outcome::Status::OutOfFuel) return "out of fuel";
  char buf[256];
  engine::format_trap(o.trap, buf, sizeof buf);
  return buf;
}

// The host side of "bench" "host": returns its argument + 1 and counts calls.
HostResult host_increment(HostCall& call, const uint64_t* args, uint64_t* results) {
  ++*static_cast<uint64_t*>(call.user);
  results[0] = static_cast<uint32_t>(static_cast<uint32_t>(args[0]) + 1);
  return HostResult::ok();
}

FuncInstance* export_func(Instance& inst, const char* name) {
  ExternVal v = inst.find_export(name, strlen(name));
  return (!v.is_null() && v.kind == ExternKind::Func) ? static_cast<FuncInstance*>(v.ptr) : nullptr;
}

// Everything one instantiated module needs, torn down in reverse order.
// `error` is empty when setup succeeded.
struct Loaded {
  Box<Module> module;
  Store store{heap(), engine::EngineConfig{}};
  Linker linker{heap()};
  Box<Execution> exec;
  Instance* instance = nullptr;
  uint64_t host_calls = 0;
  std::string error;

  ~Loaded() {
    exec.reset();  // the execution refers to the store: it goes first
  }

  bool load(const std::vector<uint8_t>& bytes, bool with_host_import) {
    auto decoded = engine::decode_module(heap(), bytes.data(), bytes.size());
    if (!decoded) return fail("decode: " + describe(decoded.error()));
    module = decoded.take();
    if (with_host_import) {
      static const engine::ValType kI32[1] = {engine::ValType::I32};
      engine::Signature sig{kI32, 1, kI32, 1};
      auto fn = store.create_host_function(sig, host_increment, &host_calls, "bench.host");
      if (!fn) return fail("host function: " + describe(fn.error()));
      auto defined = linker.define("bench", "host", ExternVal::func(fn.value()));
      if (!defined) return fail("define: " + describe(defined.error()));
    }
    auto ex = engine::create_execution(store);
    if (!ex) return fail("execution: " + describe(ex.error()));
    exec = ex.take();
    exec->set_fuel(Execution::kUnlimitedFuel);
    Outcome outcome;
    auto inst = engine::instantiate(store, *module, linker, *exec, &outcome);
    if (!inst) return fail("instantiate: " + describe(inst.error()));
    if (!outcome.ok()) return fail("start: " + describe(outcome));
    instance = inst.value();
    return true;
  }

  // Calls an (i32) -> i32 export; sets `error` on failure.
  bool call(FuncInstance* f, uint32_t arg, uint32_t* result) {
    if (f == nullptr) return fail("export not found");
    Value v = Value::i32(static_cast<int32_t>(arg));
    Outcome o = exec->call(f, &v, 1);
    if (!o.ok()) return fail("call: " + describe(o));
    if (exec->num_results() != 1) return fail("call: expected one result");
    *result = static_cast<uint32_t>(exec->result(0).as_i32());
    return true;
  }

  bool fail(std::string why) {
    error = std::move(why);
    return false;
  }
};

// Runs one of the host_call_module loops: kLoopCalls calls per iteration; the
// reported time per call includes the loop's own few instructions
// (empty_loop measures those alone).
void run_loop(benchmark::State& state, const char* export_name) {
  Loaded l;
  if (!l.load(host_call_module(), true)) {
    state.SkipWithError(l.error.c_str());
    return;
  }
  FuncInstance* f = export_func(*l.instance, export_name);
  const uint32_t want = expected_loop_result(kLoopCalls);
  for (auto _ : state) {
    uint32_t got = 0;
    if (!l.call(f, kLoopCalls, &got)) {
      state.SkipWithError(l.error.c_str());
      return;
    }
    if (got != want) {
      state.SkipWithError("wrong result from the loop");
      return;
    }
  }
  if (strcmp(export_name, "host_loop") == 0 &&
      l.host_calls != uint64_t(kLoopCalls) * state.iterations()) {
    state.SkipWithError("host function was not called once per iteration of the loop");
    return;
  }
  state.counters["per_call"] = benchmark::Counter(
      double(kLoopCalls), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_HostCall(benchmark::State& state) { run_loop(state, "host_loop"); }
void BM_WasmCall(benchmark::State& state) { run_loop(state, "wasm_loop"); }
void BM_LoopWithoutCall(benchmark::State& state) { run_loop(state, "empty_loop"); }

// One embedder -> wasm call of a function doing one loop turn.
void BM_EmbedderCall(benchmark::State& state) {
  Loaded l;
  if (!l.load(host_call_module(), true)) {
    state.SkipWithError(l.error.c_str());
    return;
  }
  FuncInstance* f = export_func(*l.instance, "empty_loop");
  for (auto _ : state) {
    uint32_t got = 0;
    if (!l.call(f, 1, &got) || got != 2) {
      state.SkipWithError(l.error.empty() ? "wrong result" : l.error.c_str());
      return;
    }
  }
}

const std::vector<uint8_t>& generated() {
  static const std::vector<uint8_t> bytes = generated_module(kGeneratedFuncs);
  return bytes;
}

void set_module_label(benchmark::State& state) {
  state.SetLabel(std::to_string(generated().size()) + " bytes, " + std::to_string(kGeneratedFuncs) +
                 " functions");
}

// Decode + validate only.
void BM_Decode(benchmark::State& state) {
  const std::vector<uint8_t>& bytes = generated();
  for (auto _ : state) {
    auto m = engine::decode_module(heap(), bytes.data(), bytes.size());
    if (!m) {
      state.SkipWithError(describe(m.error()).c_str());
      return;
    }
    benchmark::DoNotOptimize(m.value().get());
  }
  state.SetBytesProcessed(int64_t(bytes.size()) * state.iterations());
  set_module_label(state);
}

// What a device does when a module arrives: decode + validate, create a
// store, instantiate (table, memory, data and element segments), and make the
// first call, which touches every function once through call_indirect.
void BM_DecodeInstantiateFirstCall(benchmark::State& state) {
  const uint32_t want = expected_run_result(kGeneratedFuncs);
  for (auto _ : state) {
    Loaded l;
    uint32_t got = 0;
    if (!l.load(generated(), false) || !l.call(export_func(*l.instance, "run"), kGeneratedFuncs, &got)) {
      state.SkipWithError(l.error.c_str());
      return;
    }
    if (got != want) {
      state.SkipWithError("wrong result from run");
      return;
    }
  }
  set_module_label(state);
}

// Instantiate + first call of an already decoded module (a module kept in
// flash and started again).
void BM_InstantiateFirstCall(benchmark::State& state) {
  auto decoded = engine::decode_module(heap(), generated().data(), generated().size());
  if (!decoded) {
    state.SkipWithError(describe(decoded.error()).c_str());
    return;
  }
  const Module& module = *decoded.value();
  const uint32_t want = expected_run_result(kGeneratedFuncs);
  for (auto _ : state) {
    Store store(heap(), engine::EngineConfig{});
    Linker linker(heap());
    auto exec = engine::create_execution(store);
    if (!exec) {
      state.SkipWithError(describe(exec.error()).c_str());
      return;
    }
    exec.value()->set_fuel(Execution::kUnlimitedFuel);
    Outcome outcome;
    auto inst = engine::instantiate(store, module, linker, *exec.value(), &outcome);
    if (!inst || !outcome.ok()) {
      state.SkipWithError(inst ? describe(outcome).c_str() : describe(inst.error()).c_str());
      return;
    }
    Value arg = Value::i32(int32_t(kGeneratedFuncs));
    Outcome o = exec.value()->call(export_func(*inst.value(), "run"), &arg, 1);
    if (!o.ok() || uint32_t(exec.value()->result(0).as_i32()) != want) {
      state.SkipWithError("first call failed or returned a wrong result");
      return;
    }
    exec.value().reset();  // before the store it belongs to
  }
  set_module_label(state);
}

// Start-up of a compiled WASI command: decode + validate, define WASI,
// instantiate, and run `_start` with argv [file, "0"] (our benchmark programs
// then do no work and print their zero-iteration results, to /dev/null).
void BM_StartWasiProgram(benchmark::State& state, const std::vector<uint8_t>& bytes,
                         const std::string& path) {
  int devnull = open("/dev/null", O_WRONLY);
  if (devnull < 0) {
    state.SkipWithError("cannot open /dev/null");
    return;
  }
  for (auto _ : state) {
    auto decoded = engine::decode_module(heap(), bytes.data(), bytes.size());
    if (!decoded) {
      state.SkipWithError(("decode: " + describe(decoded.error())).c_str());
      break;
    }
    wasi::WasiConfig config;
    config.args = {path, "0"};
    config.stdout_fd = devnull;
    wasi::WasiContext wasi(config);
    Store store(heap(), engine::EngineConfig{});
    Linker linker(heap());
    auto defined = wasi.define(store, linker);
    auto exec = engine::create_execution(store);
    if (!defined || !exec) {
      state.SkipWithError("WASI or execution setup failed");
      break;
    }
    Outcome outcome;
    auto inst = engine::instantiate(store, *decoded.value(), linker, *exec.value(), &outcome);
    if (!inst || !outcome.ok()) {
      state.SkipWithError(inst ? describe(outcome).c_str() : describe(inst.error()).c_str());
      break;
    }
    FuncInstance* start = export_func(*inst.value(), "_start");
    Outcome ran = start ? exec.value()->call(start, nullptr, 0) : Outcome{};
    bool exited_ok = ran.ok() || (ran.status == Outcome::Status::Trapped &&
                                  ran.trap.kind == engine::TrapKind::Exit && ran.trap.exit_code == 0);
    if (start == nullptr || !exited_ok) {
      state.SkipWithError(start ? ("_start: " + describe(ran)).c_str() : "no _start export");
      break;
    }
    exec.value().reset();  // before the store it belongs to
  }
  close(devnull);
  state.SetLabel(std::to_string(bytes.size()) + " bytes");
}

BENCHMARK(BM_HostCall)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_WasmCall)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_LoopWithoutCall)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EmbedderCall);
BENCHMARK(BM_Decode)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_InstantiateFirstCall)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DecodeInstantiateFirstCall)->Unit(benchmark::kMicrosecond);

// --dump_modules=DIR writes the test modules as .wasm files, to look at them
// with wasm2wat or run them elsewhere.
bool dump_modules(const char* dir) {
  struct {
    const char* name;
    std::vector<uint8_t> bytes;
  } files[] = {{"host_call.wasm", host_call_module()}, {"generated_20k.wasm", generated()}};
  for (auto& f : files) {
    std::string path = std::string(dir) + "/" + f.name;
    FILE* out = fopen(path.c_str(), "wb");
    if (out == nullptr || fwrite(f.bytes.data(), 1, f.bytes.size(), out) != f.bytes.size()) {
      fprintf(stderr, "cannot write %s\n", path.c_str());
      if (out) fclose(out);
      return false;
    }
    fclose(out);
    printf("wrote %s (%zu bytes)\n", path.c_str(), f.bytes.size());
  }
  return true;
}

// Reads a whole file; false if it cannot.
bool read_file(const char* path, std::vector<uint8_t>* out) {
  FILE* f = fopen(path, "rb");
  if (f == nullptr) return false;
  uint8_t buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out->insert(out->end(), buf, buf + n);
  bool ok = !ferror(f);
  fclose(f);
  return ok;
}

}  // namespace
}  // namespace continuum::bench

int main(int argc, char** argv) {
  using namespace continuum::bench;
  const char kDump[] = "--dump_modules=";
  const char kProgram[] = "--wasi_program=";
  static std::vector<uint8_t> program;
  static std::string program_path;
  int kept = 1;
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], kDump, sizeof kDump - 1) == 0) return dump_modules(argv[i] + sizeof kDump - 1) ? 0 : 1;
    if (strncmp(argv[i], kProgram, sizeof kProgram - 1) == 0) {
      program_path = argv[i] + sizeof kProgram - 1;
      if (!read_file(program_path.c_str(), &program)) {
        fprintf(stderr, "cannot read %s\n", program_path.c_str());
        return 1;
      }
      benchmark::RegisterBenchmark("BM_StartWasiProgram", [](benchmark::State& state) {
        BM_StartWasiProgram(state, program, program_path);
      })->Unit(benchmark::kMicrosecond);
      continue;
    }
    argv[kept++] = argv[i];
  }
  argc = kept;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
