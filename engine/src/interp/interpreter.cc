// The interpreter's dispatch loop.
//
// Dispatch is direct threading when the compiler supports labels-as-values
// (CTM_INTERP_COMPUTED_GOTO): every opcode word holds its handler's offset from
// a base label, and each handler ends by jumping straight to the next one.
// Otherwise a portable switch runs the same handler bodies.
//
// Registers kept in locals: ip (current instruction; it stays at the start of
// the instruction until the handler is done, so a trap knows where it
// happened), fp (the frame's slot 0), the cached base and size of memory 0
// (reloaded after anything that may grow it: memory.grow, calls, returns),
// and the fuel left.
#include "interp/interpreter.h"

#include <string.h>
#ifdef CTM_INTERP_PROFILE
#include <stdio.h>
#include <stdlib.h>

#include "continuum/engine/port.h"
#endif

#include "interp/numeric_semantics.h"
#include "runtime/instance.h"

namespace continuum::engine::interp {

namespace {

inline uint64_t read64(const uint32_t* w) {
  uint64_t v;
  memcpy(&v, w, 8);
  return v;
}

RunExit run_loop(RunState* s);

}  // namespace

#ifdef CTM_INTERP_PROFILE
// Development aid (switch dispatch only): counts executed instructions per IOp,
// and consecutive pairs of them (candidates for superinstructions), and logs
// both when the process ends. CTM_TRACE=N CTM_TRACE_FUNC=F in the environment
// also print the first N instructions executed in function F (pc, op, the
// next five words) to stderr, to read the code the compiler made.
uint64_t g_profile[kIOpCount + 1];
uint64_t g_profile_pairs[kIOpCount + 1][kIOpCount + 1];
uint32_t g_profile_prev = kIOpCount;
// Instructions executed in each function (module function index), to see
// which guest functions a module's time goes to.
constexpr uint32_t kProfileFuncs = 4096;
uint64_t g_profile_funcs[kProfileFuncs];
static const char* const g_profile_names[] = {
#define CTM_IOP_NAME(name) #name,
#include "interp/iop_list.inc"
#undef CTM_IOP_NAME
};
static long g_trace_left = getenv("CTM_TRACE") ? atol(getenv("CTM_TRACE")) : 0;
static uint32_t g_trace_func = getenv("CTM_TRACE_FUNC") ? atol(getenv("CTM_TRACE_FUNC")) : 0;
namespace {
struct ProfileReport {
  ~ProfileReport() {
    static const char* const kNames[] = {
#define CTM_IOP_NAME(name) #name,
#include "interp/iop_list.inc"
#undef CTM_IOP_NAME
    };
    uint64_t total = 0;
    for (uint32_t i = 0; i < kIOpCount; ++i) total += g_profile[i];
    for (uint32_t i = 0; i < kIOpCount; ++i) {
      if (g_profile[i] * 200 < total) continue;
      char line[96];
      snprintf(line, sizeof line, "%-20s %12llu %5.1f%%", kNames[i],
               (unsigned long long)g_profile[i], 100.0 * g_profile[i] / total);
      port::log(port::LogLevel::Info, line);
    }
    for (uint32_t i = 0; i < kProfileFuncs; ++i) {
      if (g_profile_funcs[i] * 100 < total) continue;
      char line[96];
      snprintf(line, sizeof line, "func %-5u %12llu %5.1f%%", i, (unsigned long long)g_profile_funcs[i],
               100.0 * g_profile_funcs[i] / total);
      port::log(port::LogLevel::Info, line);
    }
    for (uint32_t i = 0; i < kIOpCount; ++i) {
      for (uint32_t j = 0; j < kIOpCount; ++j) {
        if (g_profile_pairs[i][j] * 100 < total) continue;
        char line[128];
        snprintf(line, sizeof line, "pair %-20s %-20s %12llu %5.1f%%", kNames[i], kNames[j],
                 (unsigned long long)g_profile_pairs[i][j], 100.0 * g_profile_pairs[i][j] / total);
        port::log(port::LogLevel::Info, line);
      }
    }
  }
} g_profile_report;
}  // namespace
#endif

RunExit run(RunState& state) { return run_loop(&state); }

#if CTM_INTERP_COMPUTED_GOTO
const int32_t* handler_offsets() {
  static const int32_t* table = nullptr;
  if (table == nullptr) {
    RunState probe;  // a run with no ip only reports its table
    probe.ip = nullptr;
    run_loop(&probe);
    table = reinterpret_cast<const int32_t*>(probe.fp);
  }
  return table;
}
#endif

namespace {

// Typed slot access: i32 and f32 live zero-extended in the low half.
#define CTM_RD_I32(k) static_cast<uint32_t>(fp[ip[k]])
#define CTM_RD_I64(k) (fp[ip[k]])
#define CTM_RD_F32(k) sem::f32_of(static_cast<uint32_t>(fp[ip[k]]))
#define CTM_RD_F64(k) sem::f64_of(fp[ip[k]])
// A result goes to its slot and stays in `acc` for an Acc twin that follows
// (the compact build has no Acc twins, so nothing to keep).
#if CTM_INTERP_SUPERINSTRUCTIONS
#define CTM_KEEP(v) acc = (v)
#else
#define CTM_KEEP(v) (v)
#endif
#define CTM_WR_I32(k, v) (fp[ip[k]] = CTM_KEEP(static_cast<uint32_t>(v)))
#define CTM_WR_I64(k, v) (fp[ip[k]] = CTM_KEEP(v))
#define CTM_WR_F32(k, v) (fp[ip[k]] = CTM_KEEP(sem::bits(v)))
#define CTM_WR_F64(k, v) (fp[ip[k]] = CTM_KEEP(sem::bits(v)))
#define CTM_ACC_I32 static_cast<uint32_t>(acc)
#define CTM_ACC_I64 acc
#define CTM_ACC_F32 sem::f32_of(static_cast<uint32_t>(acc))
#define CTM_ACC_F64 sem::f64_of(acc)
// Immediate operands, and how many code words they take.
#define CTM_IMM_I32(k) (ip[k])
#define CTM_IMM_I64(k) read64(ip + (k))
#define CTM_IMM_F32(k) sem::f32_of(ip[k])
#define CTM_IMM_F64(k) sem::f64_of(read64(ip + (k)))
#define CTM_IMMW_I32 1
#define CTM_IMMW_I64 2
#define CTM_IMMW_F32 1
#define CTM_IMMW_F64 2

#if CTM_INTERP_COMPUTED_GOTO
#define HANDLER(name) L_##name:
#define CTM_LABEL_OFFSET(name) \
  static_cast<int32_t>(static_cast<const char*>(&&L_##name) - static_cast<const char*>(&&L_base))
#define NEXT() goto* (static_cast<const char*>(&&L_base) + static_cast<int32_t>(*ip))
#else
#define HANDLER(name) case IOp::name:
#define NEXT() goto dispatch
#endif

// Takes the branch whose rel word is at ip[rel_at] and fuel amount right after
// it. Loop back-edges carry the loop's instruction count; running out stops
// here, before anything of the branch happened, so resume() repeats it.
#define CTM_TAKE_BRANCH(rel_at)                              \
  do {                                                       \
    uint32_t amount_ = ip[(rel_at) + 1];                     \
    if (fuel < amount_) goto out_of_fuel;                    \
    fuel -= amount_;                                         \
    ip = ip + (rel_at) + static_cast<int32_t>(ip[rel_at]);   \
    NEXT();                                                  \
  } while (0)

#define TRAP(kind)  \
  do {              \
    trap_kind = (kind); \
    goto trap;      \
  } while (0)

#define LOAD_MEM()                                 \
  do {                                             \
    mem = func->instance->memory0;                 \
    mbase = mem ? mem->data : nullptr;             \
    msize = mem ? mem->size : 0;                   \
  } while (0)

RunExit run_loop(RunState* s) {
#if CTM_INTERP_COMPUTED_GOTO
  static const int32_t kOffsets[] = {
#define CTM_IOP_NAME(name) CTM_LABEL_OFFSET(name),
#include "interp/iop_list.inc"
#undef CTM_IOP_NAME
  };
  if (s->ip == nullptr) {
    s->fp = reinterpret_cast<uint64_t*>(const_cast<int32_t*>(kOffsets));
    return RunExit::Halt;
  }
#endif

  const uint32_t* ip = s->ip;
  uint64_t* fp = s->fp;
  FuncInstance* func = s->func;
  uint32_t depth = s->depth;
  uint64_t fuel = s->fuel;
  Frame* const frames = s->frames;
  const uint32_t max_depth = s->max_depth;
  uint64_t* const stack_end = s->stack_end;
  MemoryInstance* mem;
  uint8_t* mbase;
  uint64_t msize;
  TrapKind trap_kind = TrapKind::None;
#if CTM_INTERP_SUPERINSTRUCTIONS
  uint64_t acc = 0;  // the last generated instruction's result (see code.h)
#endif
  LOAD_MEM();

#if CTM_INTERP_COMPUTED_GOTO
  NEXT();
L_base:
#else
dispatch:
#ifdef CTM_INTERP_PROFILE
  ++g_profile[*ip];
  ++g_profile_pairs[g_profile_prev][*ip];
  g_profile_prev = *ip;
  ++g_profile_funcs[func->index % kProfileFuncs];
  if (g_trace_left > 0 && func->index == g_trace_func) {
    --g_trace_left;
    fprintf(stderr, "T %5u %-22s %d %d %d %d %d\n", unsigned(ip - func->code->code.data()),
            g_profile_names[*ip], int(ip[1]), int(ip[2]), int(ip[3]), int(ip[4]), int(ip[5]));
  }
#endif
  switch (static_cast<IOp>(*ip)) {
#endif

  // ---- generated numeric and memory handlers
#define CTM_UNARY(ident, a, r)                  \
  HANDLER(ident) {                              \
    TrapKind t = TrapKind::None;                \
    auto v = sem::ident(CTM_RD_##a(2), t);      \
    if (t != TrapKind::None) TRAP(t);           \
    CTM_WR_##r(1, v);                           \
    ip += 3;                                    \
    NEXT();                                     \
  }
#define CTM_BINARY(ident, a, b, r)                         \
  HANDLER(ident) {                                         \
    TrapKind t = TrapKind::None;                           \
    auto v = sem::ident(CTM_RD_##a(2), CTM_RD_##b(3), t);  \
    if (t != TrapKind::None) TRAP(t);                      \
    CTM_WR_##r(1, v);                                      \
    ip += 4;                                               \
    NEXT();                                                \
  }
#define CTM_BINARY_IMM(ident, a, b, r)                      \
  HANDLER(ident##Imm) {                                     \
    TrapKind t = TrapKind::None;                            \
    auto v = sem::ident(CTM_RD_##a(2), CTM_IMM_##b(3), t);  \
    if (t != TrapKind::None) TRAP(t);                       \
    CTM_WR_##r(1, v);                                       \
    ip += 3 + CTM_IMMW_##b;                                 \
    NEXT();                                                 \
  }
  // Compare (or any i32 producer) fused with br_if: the value only decides the branch.
#define CTM_UNARY_BR(ident, a, b)                           \
  HANDLER(ident##Br) {                                      \
    TrapKind t = TrapKind::None;                            \
    auto v = sem::ident(CTM_RD_##a(1), t);                  \
    if (t != TrapKind::None) TRAP(t);                       \
    if (v) CTM_TAKE_BRANCH(2);                              \
    ip += 4;                                                \
    NEXT();                                                 \
  }
#define CTM_BINARY_BR(ident, a, b)                          \
  HANDLER(ident##Br) {                                      \
    TrapKind t = TrapKind::None;                            \
    auto v = sem::ident(CTM_RD_##a(1), CTM_RD_##b(2), t);   \
    if (t != TrapKind::None) TRAP(t);                       \
    if (v) CTM_TAKE_BRANCH(3);                              \
    ip += 5;                                                \
    NEXT();                                                 \
  }
#define CTM_BINARY_IMM_BR(ident, a, b)                      \
  HANDLER(ident##ImmBr) {                                   \
    TrapKind t = TrapKind::None;                            \
    auto v = sem::ident(CTM_RD_##a(1), CTM_IMM_##b(2), t);  \
    if (t != TrapKind::None) TRAP(t);                       \
    if (v) CTM_TAKE_BRANCH(2 + CTM_IMMW_##b);               \
    ip += 4 + CTM_IMMW_##b;                                 \
    NEXT();                                                 \
  }
  // Bounds check: address + offset + size <= memory size, in 64 bits.
#define CTM_LOAD(ident, r, bytes)                                  \
  HANDLER(ident) {                                                 \
    uint64_t ea = uint64_t(CTM_RD_I32(2)) + ip[3];                 \
    if (ea + (bytes) > msize) TRAP(TrapKind::MemoryOutOfBounds);   \
    CTM_WR_##r(1, sem::ident(mbase + ea));                         \
    ip += 4;                                                       \
    NEXT();                                                        \
  }
#define CTM_STORE(ident, b, bytes)                                 \
  HANDLER(ident) {                                                 \
    uint64_t ea = uint64_t(CTM_RD_I32(1)) + ip[3];                 \
    if (ea + (bytes) > msize) TRAP(TrapKind::MemoryOutOfBounds);   \
    sem::ident(mbase + ea, CTM_RD_##b(2));                         \
    ip += 4;                                                       \
    NEXT();                                                        \
  }
#define CTM_UNARY_ACC(ident, a, r)                          \
  HANDLER(ident##Acc) {                                     \
    TrapKind t = TrapKind::None;                            \
    auto v = sem::ident(CTM_ACC_##a, t);                    \
    if (t != TrapKind::None) TRAP(t);                       \
    CTM_WR_##r(1, v);                                       \
    ip += 2;                                                \
    NEXT();                                                 \
  }
#define CTM_BINARY_ACC_A(ident, a, b, r)                    \
  HANDLER(ident##AccA) {                                    \
    TrapKind t = TrapKind::None;                            \
    auto v = sem::ident(CTM_ACC_##a, CTM_RD_##b(2), t);     \
    if (t != TrapKind::None) TRAP(t);                       \
    CTM_WR_##r(1, v);                                       \
    ip += 3;                                                \
    NEXT();                                                 \
  }
#define CTM_BINARY_ACC_B(ident, a, b, r)                    \
  HANDLER(ident##AccB) {                                    \
    TrapKind t = TrapKind::None;                            \
    auto v = sem::ident(CTM_RD_##a(2), CTM_ACC_##b, t);     \
    if (t != TrapKind::None) TRAP(t);                       \
    CTM_WR_##r(1, v);                                       \
    ip += 3;                                                \
    NEXT();                                                 \
  }
#define CTM_BINARY_IMM_ACC(ident, a, b, r)                  \
  HANDLER(ident##ImmAcc) {                                  \
    TrapKind t = TrapKind::None;                            \
    auto v = sem::ident(CTM_ACC_##a, CTM_IMM_##b(2), t);    \
    if (t != TrapKind::None) TRAP(t);                       \
    CTM_WR_##r(1, v);                                       \
    ip += 2 + CTM_IMMW_##b;                                 \
    NEXT();                                                 \
  }
#define CTM_LOAD_ACC(ident, r, bytes)                                \
  HANDLER(ident##Acc) {                                              \
    uint64_t ea = uint64_t(CTM_ACC_I32) + ip[2];                     \
    if (ea + (bytes) > msize) TRAP(TrapKind::MemoryOutOfBounds);     \
    CTM_WR_##r(1, sem::ident(mbase + ea));                           \
    ip += 3;                                                         \
    NEXT();                                                          \
  }
#define CTM_STORE_ACC(ident, b, bytes)                               \
  HANDLER(ident##Acc) {                                              \
    uint64_t ea = uint64_t(CTM_RD_I32(1)) + ip[2];                   \
    if (ea + (bytes) > msize) TRAP(TrapKind::MemoryOutOfBounds);     \
    sem::ident(mbase + ea, CTM_ACC_##b);                             \
    ip += 3;                                                         \
    NEXT();                                                          \
  }
#define CTM_UNARY_ACC_BR(ident, a, b)                       \
  HANDLER(ident##AccBr) {                                   \
    TrapKind t = TrapKind::None;                            \
    auto v = sem::ident(CTM_ACC_##a, t);                    \
    if (t != TrapKind::None) TRAP(t);                       \
    if (v) CTM_TAKE_BRANCH(1);                              \
    ip += 3;                                                \
    NEXT();                                                 \
  }
#define CTM_BINARY_ACC_A_BR(ident, a, b)                    \
  HANDLER(ident##AccABr) {                                  \
    TrapKind t = TrapKind::None;                            \
    auto v = sem::ident(CTM_ACC_##a, CTM_RD_##b(1), t);     \
    if (t != TrapKind::None) TRAP(t);                       \
    if (v) CTM_TAKE_BRANCH(2);                              \
    ip += 4;                                                \
    NEXT();                                                 \
  }
#define CTM_BINARY_ACC_B_BR(ident, a, b)                    \
  HANDLER(ident##AccBBr) {                                  \
    TrapKind t = TrapKind::None;                            \
    auto v = sem::ident(CTM_RD_##a(1), CTM_ACC_##b, t);     \
    if (t != TrapKind::None) TRAP(t);                       \
    if (v) CTM_TAKE_BRANCH(2);                              \
    ip += 4;                                                \
    NEXT();                                                 \
  }
#define CTM_BINARY_IMM_ACC_BR(ident, a, b)                  \
  HANDLER(ident##ImmAccBr) {                                \
    TrapKind t = TrapKind::None;                            \
    auto v = sem::ident(CTM_ACC_##a, CTM_IMM_##b(1), t);    \
    if (t != TrapKind::None) TRAP(t);                       \
    if (v) CTM_TAKE_BRANCH(1 + CTM_IMMW_##b);               \
    ip += 3 + CTM_IMMW_##b;                                 \
    NEXT();                                                 \
  }
#define CTM_LOAD_ADD_IMM(ident, r, bytes)                                       \
  HANDLER(ident##AddImm) {                                                      \
    uint64_t ea = uint64_t(static_cast<uint32_t>(CTM_RD_I32(2) + ip[3])) + ip[4]; \
    if (ea + (bytes) > msize) TRAP(TrapKind::MemoryOutOfBounds);                \
    CTM_WR_##r(1, sem::ident(mbase + ea));                                      \
    ip += 5;                                                                    \
    NEXT();                                                                     \
  }
#define CTM_OP CTM_GEN_SHAPE
#include "continuum/engine/opcodes.def"
#include "shape_macros_end.inc"

  // ---- fused shift/rotate + combine pairs (code.h)
#define CTM_PAIR_HANDLER(outer, inner)                                     \
  HANDLER(outer##inner##Imm) {                                             \
    TrapKind t = TrapKind::None;                                           \
    uint32_t v = sem::outer(CTM_RD_I32(2), sem::inner(CTM_RD_I32(3), ip[4], t), t); \
    CTM_WR_I32(1, v);                                                      \
    ip += 5;                                                               \
    NEXT();                                                                \
  }
  CTM_FOR_EACH_FUSED_PAIR(CTM_PAIR_HANDLER)
#undef CTM_PAIR_HANDLER
#define CTM_PAIR3_HANDLER(outer, inner)                                            \
  HANDLER(outer##inner) {                                                          \
    TrapKind t = TrapKind::None;                                                   \
    uint32_t v = sem::outer(CTM_RD_I32(2), sem::inner(CTM_RD_I32(3), CTM_RD_I32(4), t), t); \
    CTM_WR_I32(1, v);                                                              \
    ip += 5;                                                                       \
    NEXT();                                                                        \
  }
  CTM_FOR_EACH_FUSED_PAIR3(CTM_PAIR3_HANDLER)
#undef CTM_PAIR3_HANDLER

  // ---- internal instructions (layouts in internal_ops.def)
  HANDLER(Unreachable) { TRAP(TrapKind::Unreachable); }
  HANDLER(Fuel) {
    uint32_t n = ip[1];
    if (fuel < n) goto out_of_fuel;
    fuel -= n;
    ip += 2;
    NEXT();
  }
  HANDLER(Copy) {
    fp[ip[1]] = fp[ip[2]];
    ip += 3;
    NEXT();
  }
  HANDLER(Copy2) {
    fp[ip[1]] = fp[ip[2]];
    fp[ip[3]] = fp[ip[4]];
    ip += 5;
    NEXT();
  }
  HANDLER(Const32) {
    fp[ip[1]] = ip[2];
    ip += 3;
    NEXT();
  }
  HANDLER(Const64) {
    fp[ip[1]] = read64(ip + 2);
    ip += 4;
    NEXT();
  }
  HANDLER(Br) { CTM_TAKE_BRANCH(1); }
  HANDLER(BrIf) {
    if (CTM_RD_I32(1)) CTM_TAKE_BRANCH(2);
    ip += 4;
    NEXT();
  }
  HANDLER(BrIfNot) {
    if (!CTM_RD_I32(1)) ip = ip + 2 + static_cast<int32_t>(ip[2]);
    else ip += 3;
    NEXT();
  }
  HANDLER(BrTable) {
    uint32_t i = CTM_RD_I32(1);
    uint32_t n = ip[2];
    const uint32_t* w = ip + 3 + (i < n ? i : n);
    ip = w + static_cast<int32_t>(*w);
    NEXT();
  }
  {
    FuncInstance* callee;
    uint64_t* nfp;
    uint32_t len;
    HANDLER(Call) {
      callee = get_ptr<FuncInstance>(ip + 1);
      nfp = fp + ip[3];
      len = 4;
      goto enter;
    }
    HANDLER(CallIndirect) {
      TableInstance* t = get_ptr<TableInstance>(ip + 1);
      uint32_t i = CTM_RD_I32(4);
      if (i >= t->elems.size()) TRAP(TrapKind::UndefinedElement);
      callee = reinterpret_cast<FuncInstance*>(static_cast<uintptr_t>(t->elems[i]));
      if (callee == nullptr) TRAP(TrapKind::UninitializedElement);
      if (callee->type_id != ip[3]) TRAP(TrapKind::IndirectCallTypeMismatch);
      nfp = fp + ip[5];
      len = 6;
      goto enter;
    }
  enter:
    if (callee->host != nullptr) {
      // Arguments and results share the slots at nfp (the caller reserved
      // room for both), so nothing is copied.
      uint32_t np = static_cast<uint32_t>(callee->type->params.size());
      uint32_t nr = static_cast<uint32_t>(callee->type->results.size());
      HostCall call;
      call.store = s->store;
      call.caller = func->instance;
      call.user = callee->user;
      s->ip = ip;
      s->fp = fp;
      s->func = func;
      s->depth = depth;
      s->fuel = fuel;
      s->reentry_sp = nfp + (np > nr ? np : nr);
      HostResult hr = callee->host(call, nfp, nfp);
      fuel = s->fuel;  // a re-entrant call may have used some
      if (hr.kind != TrapKind::None) {
        s->trap = Trap{};
        s->trap.kind = hr.kind;
        s->trap.message = hr.message;
        s->trap.exit_code = hr.exit_code;
        trap_kind = hr.kind;
        goto trap;
      }
      LOAD_MEM();
      ip += len;
      NEXT();
    }
    {
      const CompiledFunc* c = callee->code;
      if (depth >= max_depth || nfp + c->max_slots > stack_end) TRAP(TrapKind::CallStackExhausted);
      frames[depth++] = Frame{ip + len, fp, func};
      uint32_t zeroed = c->num_locals - c->num_params;
      if (zeroed) memset(nfp + c->num_params, 0, zeroed * sizeof(uint64_t));
      fp = nfp;
      func = callee;
      ip = c->code.data();
      // Every body starts with its entry charge "Fuel amount" (compiler_impl.h,
      // entry_fuel_point): charged here, it costs no dispatch of its own. When
      // the fuel does not suffice the Fuel instruction runs and stops there,
      // as before, so resume() starts the callee over at the same place.
      if (fuel >= ip[1]) {
        fuel -= ip[1];
        ip += 2;
      }
      LOAD_MEM();
      NEXT();
    }
  }
  HANDLER(Return) {
    const Frame& f = frames[--depth];
    ip = f.ret_ip;
    fp = f.fp;
    func = f.func;
    LOAD_MEM();
    NEXT();
  }
  HANDLER(Halt) {
    s->ip = ip;
    s->fp = fp;
    s->func = func;
    s->depth = depth;
    s->fuel = fuel;
    return RunExit::Halt;
  }
  HANDLER(Select) {
    uint64_t v = CTM_RD_I32(4) ? fp[ip[2]] : fp[ip[3]];
    fp[ip[1]] = v;
    ip += 5;
    NEXT();
  }
  HANDLER(GlobalGet) {
    fp[ip[1]] = *get_ptr<uint64_t>(ip + 2);
    ip += 4;
    NEXT();
  }
  HANDLER(GlobalSet) {
    *get_ptr<uint64_t>(ip + 2) = fp[ip[1]];
    ip += 4;
    NEXT();
  }
  HANDLER(TableGet) {
    TableInstance* t = get_ptr<TableInstance>(ip + 3);
    uint32_t i = CTM_RD_I32(2);
    if (i >= t->elems.size()) TRAP(TrapKind::TableOutOfBounds);
    fp[ip[1]] = t->elems[i];
    ip += 5;
    NEXT();
  }
  HANDLER(TableSet) {
    TableInstance* t = get_ptr<TableInstance>(ip + 3);
    uint32_t i = CTM_RD_I32(1);
    if (i >= t->elems.size()) TRAP(TrapKind::TableOutOfBounds);
    t->elems[i] = fp[ip[2]];
    ip += 5;
    NEXT();
  }
  HANDLER(TableSize) {
    TableInstance* t = get_ptr<TableInstance>(ip + 2);
    CTM_WR_I32(1, t->elems.size());
    ip += 4;
    NEXT();
  }
  HANDLER(TableGrow) {
    TableInstance* t = get_ptr<TableInstance>(ip + 4);
    int64_t old = table_grow(t, CTM_RD_I32(3), fp[ip[2]]);
    CTM_WR_I32(1, static_cast<uint32_t>(old));
    ip += 6;
    NEXT();
  }
  HANDLER(TableFill) {
    TableInstance* t = get_ptr<TableInstance>(ip + 4);
    uint64_t i = CTM_RD_I32(1), n = CTM_RD_I32(3);
    uint64_t v = fp[ip[2]];
    if (i + n > t->elems.size()) TRAP(TrapKind::TableOutOfBounds);
    for (uint64_t k = 0; k < n; ++k) t->elems[i + k] = v;
    ip += 6;
    NEXT();
  }
  HANDLER(TableCopy) {
    TableInstance* dt = get_ptr<TableInstance>(ip + 4);
    TableInstance* st = get_ptr<TableInstance>(ip + 6);
    uint64_t d = CTM_RD_I32(1), src = CTM_RD_I32(2), n = CTM_RD_I32(3);
    if (d + n > dt->elems.size() || src + n > st->elems.size()) TRAP(TrapKind::TableOutOfBounds);
    if (n) memmove(dt->elems.data() + d, st->elems.data() + src, n * sizeof(uint64_t));
    ip += 8;
    NEXT();
  }
  HANDLER(TableInit) {
    TableInstance* t = get_ptr<TableInstance>(ip + 4);
    ElemInstance* e = get_ptr<ElemInstance>(ip + 6);
    if (!table_init(t, CTM_RD_I32(1), e->refs.data(), e->refs.size(), CTM_RD_I32(2), CTM_RD_I32(3)))
      TRAP(TrapKind::TableOutOfBounds);
    ip += 8;
    NEXT();
  }
  HANDLER(ElemDrop) {
    get_ptr<ElemInstance>(ip + 1)->refs.clear();
    ip += 3;
    NEXT();
  }
  HANDLER(MemorySize) {
    CTM_WR_I32(1, msize / kPageSize);
    ip += 2;
    NEXT();
  }
  HANDLER(MemoryGrow) {
    int64_t old = memory_grow(mem, CTM_RD_I32(2));
    CTM_WR_I32(1, static_cast<uint32_t>(old));
    LOAD_MEM();
    ip += 3;
    NEXT();
  }
  HANDLER(MemoryFill) {
    uint64_t d = CTM_RD_I32(1), n = CTM_RD_I32(3);
    if (d + n > msize) TRAP(TrapKind::MemoryOutOfBounds);
    if (n) memset(mbase + d, static_cast<uint8_t>(CTM_RD_I32(2)), n);
    ip += 4;
    NEXT();
  }
  HANDLER(MemoryCopy) {
    uint64_t d = CTM_RD_I32(1), src = CTM_RD_I32(2), n = CTM_RD_I32(3);
    if (d + n > msize || src + n > msize) TRAP(TrapKind::MemoryOutOfBounds);
    if (n) memmove(mbase + d, mbase + src, n);
    ip += 4;
    NEXT();
  }
  HANDLER(MemoryInit) {
    DataInstance* d = get_ptr<DataInstance>(ip + 4);
    if (!memory_init(mem, CTM_RD_I32(1), d->bytes, d->size, CTM_RD_I32(2), CTM_RD_I32(3)))
      TRAP(TrapKind::MemoryOutOfBounds);
    ip += 6;
    NEXT();
  }
  HANDLER(DataDrop) {
    get_ptr<DataInstance>(ip + 1)->size = 0;
    ip += 3;
    NEXT();
  }
  HANDLER(RefIsNull) {
    CTM_WR_I32(1, fp[ip[2]] == 0);
    ip += 3;
    NEXT();
  }
#if CTM_INTERP_SUPERINSTRUCTIONS
  HANDLER(Copy3) {
    fp[ip[1]] = fp[ip[2]];
    fp[ip[3]] = fp[ip[4]];
    fp[ip[5]] = fp[ip[6]];
    ip += 7;
    NEXT();
  }
  HANDLER(Copy4) {
    fp[ip[1]] = fp[ip[2]];
    fp[ip[3]] = fp[ip[4]];
    fp[ip[5]] = fp[ip[6]];
    fp[ip[7]] = fp[ip[8]];
    ip += 9;
    NEXT();
  }
  HANDLER(I32Rotl2Xor) {
    uint32_t x = CTM_RD_I32(2);
    CTM_WR_I32(1, sem::rotl<uint32_t>(x, ip[3]) ^ sem::rotl<uint32_t>(x, ip[4]));
    ip += 5;
    NEXT();
  }
  HANDLER(I32Rotl3Xor) {
    uint32_t x = CTM_RD_I32(2);
    CTM_WR_I32(1, sem::rotl<uint32_t>(x, ip[3]) ^ sem::rotl<uint32_t>(x, ip[4]) ^
                      sem::rotl<uint32_t>(x, ip[5]));
    ip += 6;
    NEXT();
  }
  HANDLER(I32Rotl2XorShrU) {
    uint32_t x = CTM_RD_I32(2);
    CTM_WR_I32(1, sem::rotl<uint32_t>(x, ip[3]) ^ sem::rotl<uint32_t>(x, ip[4]) ^ (x >> ip[5]));
    ip += 6;
    NEXT();
  }
  HANDLER(I32LoadAdd) {
    uint64_t ea = uint64_t(static_cast<uint32_t>(CTM_RD_I32(2) + CTM_RD_I32(3))) + ip[4];
    if (ea + 4 > msize) TRAP(TrapKind::MemoryOutOfBounds);
    CTM_WR_I32(1, sem::I32Load(mbase + ea));
    ip += 5;
    NEXT();
  }
  HANDLER(I32AddLoadAddImm) {
    uint64_t ea = uint64_t(static_cast<uint32_t>(CTM_RD_I32(3) + ip[4])) + ip[5];
    if (ea + 4 > msize) TRAP(TrapKind::MemoryOutOfBounds);
    CTM_WR_I32(1, CTM_RD_I32(2) + sem::I32Load(mbase + ea));
    ip += 6;
    NEXT();
  }
  HANDLER(F64MulAdd) {
    TrapKind t = TrapKind::None;
    CTM_WR_F64(1, sem::F64Add(CTM_RD_F64(2), sem::F64Mul(CTM_RD_F64(3), CTM_RD_F64(4), t), t));
    ip += 5;
    NEXT();
  }
  HANDLER(F64MulAddImm) {
    TrapKind t = TrapKind::None;
    CTM_WR_F64(1, sem::F64Add(sem::F64Mul(CTM_RD_F64(2), CTM_RD_F64(3), t), CTM_IMM_F64(4), t));
    ip += 6;
    NEXT();
  }
  HANDLER(F64MulAccAddImm) {
    TrapKind t = TrapKind::None;
    CTM_WR_F64(1, sem::F64Add(sem::F64Mul(CTM_RD_F64(2), CTM_ACC_F64, t), CTM_IMM_F64(3), t));
    ip += 5;
    NEXT();
  }
  HANDLER(I32AddImmNeImmBr) {
    uint32_t v = CTM_RD_I32(2) + ip[3];
    // Out of fuel must leave the counter unchanged: resume() repeats the
    // whole instruction, so the write waits for the fuel check.
    if (v != ip[4]) {
      uint32_t amount = ip[6];
      if (fuel < amount) goto out_of_fuel;
      fuel -= amount;
      fp[ip[1]] = v;
      ip = ip + 5 + static_cast<int32_t>(ip[5]);
      NEXT();
    }
    fp[ip[1]] = v;
    ip += 7;
    NEXT();
  }
#endif
#if !CTM_INTERP_COMPUTED_GOTO
    case IOp::Count_: break;
  }
  trap_kind = TrapKind::Unreachable;  // a corrupt opcode word; never produced by the compiler
#endif

trap:
  // Host traps and exits already filled in their message and exit code.
  if (trap_kind != TrapKind::Host && trap_kind != TrapKind::Exit) {
    s->trap = Trap{};
    s->trap.kind = trap_kind;
  }
  s->trap.function = func->index;
  s->trap.offset = func->code->offset_of(static_cast<uint32_t>(ip - func->code->code.data()));
  s->ip = ip;
  s->fp = fp;
  s->func = func;
  s->depth = depth;
  s->fuel = fuel;
  return RunExit::Trap;

out_of_fuel:
  s->ip = ip;
  s->fp = fp;
  s->func = func;
  s->depth = depth;
  s->fuel = fuel;
  return RunExit::OutOfFuel;
}

}  // namespace
}  // namespace continuum::engine::interp
