#include "test_modules.h"

#include <string>

#include "wasm_writer.h"

namespace continuum::bench {
namespace {

// One function type per vector entry: params -> results.
struct Sig {
  std::vector<ValType> params;
  std::vector<ValType> results;
};

ByteWriter type_section(const std::vector<Sig>& sigs) {
  ByteWriter w;
  w.uleb(sigs.size());
  for (const Sig& s : sigs) {
    w.u8(kFuncTypeTag);
    w.uleb(s.params.size());
    for (ValType t : s.params) w.type(t);
    w.uleb(s.results.size());
    for (ValType t : s.results) w.type(t);
  }
  return w;
}

// A function body: local declarations (one group per entry) then code.
ByteWriter function_body(const std::vector<ValType>& locals, const ByteWriter& code) {
  ByteWriter body;
  body.uleb(locals.size());
  for (ValType t : locals) {
    body.uleb(1);
    body.type(t);
  }
  body.append(code);
  ByteWriter sized;
  sized.uleb(body.size());
  sized.append(body);
  return sized;
}

void export_entry(ByteWriter& w, const std::string& name, uint8_t kind, uint32_t index) {
  w.name(name);
  w.u8(kind);
  w.uleb(index);
}

// (n: i32) -> i32, local 1 = acc:
//   loop { acc += <step>(n); n -= 1; br_if n } ; acc
// `call_target` < 0 inlines the step as `n + 1` instead of calling.
ByteWriter counting_loop(int64_t call_target) {
  ByteWriter c;
  c.op(Op::Loop);
  c.u8(kEmptyBlock);
  c.op(Op::LocalGet, 1);
  c.op(Op::LocalGet, 0);
  if (call_target >= 0) {
    c.op(Op::Call, static_cast<uint32_t>(call_target));
  } else {
    c.i32_const(1);
    c.op(Op::I32Add);
  }
  c.op(Op::I32Add);
  c.op(Op::LocalSet, 1);
  c.op(Op::LocalGet, 0);
  c.i32_const(1);
  c.op(Op::I32Sub);
  c.op(Op::LocalTee, 0);
  c.op(Op::BrIf, 0);
  c.op(Op::End);
  c.op(Op::LocalGet, 1);
  c.op(Op::End);
  return c;
}

// Body of generated function i: params a (0), b (1); locals t: i32 (2),
// w: i64 (3), f: f64 (4).
ByteWriter mixed_function(uint32_t i) {
  const uint32_t addr = (i * 8) & 0xFF8;
  ByteWriter c;
  // t = a * K ^ b
  c.op(Op::LocalGet, 0);
  c.i32_const(static_cast<int32_t>(2654435761u + i * 40503u));
  c.op(Op::I32Mul);
  c.op(Op::LocalGet, 1);
  c.op(Op::I32Xor);
  c.op(Op::LocalSet, 2);
  // mem[addr] = t
  c.i32_const(static_cast<int32_t>(addr));
  c.op(Op::LocalGet, 2);
  c.mem(Op::I32Store, 2, 0);
  // w = u64(t) * K2
  c.op(Op::LocalGet, 2);
  c.op(Op::I64ExtendI32U);
  c.i64_const(0x5851F42D4C957F2Dll + i);
  c.op(Op::I64Mul);
  c.op(Op::LocalSet, 3);
  // f = f64(t) * 1.5
  c.op(Op::LocalGet, 2);
  c.op(Op::F64ConvertI32S);
  c.f64_const(1.5 + i);
  c.op(Op::F64Mul);
  c.op(Op::LocalSet, 4);
  // result = i32(w >> 17) + mem[addr] + (f < 1000 ? rotl(t, 3) : t >> 5)
  c.op(Op::LocalGet, 3);
  c.i64_const(17);
  c.op(Op::I64ShrU);
  c.op(Op::I32WrapI64);
  c.i32_const(static_cast<int32_t>(addr));
  c.mem(Op::I32Load, 2, 0);
  c.op(Op::I32Add);
  c.op(Op::LocalGet, 4);
  c.f64_const(1000.0);
  c.op(Op::F64Lt);
  c.op(Op::If);
  c.type(ValType::I32);
  c.op(Op::LocalGet, 2);
  c.i32_const(3);
  c.op(Op::I32Rotl);
  c.op(Op::Else);
  c.op(Op::LocalGet, 2);
  c.i32_const(5);
  c.op(Op::I32ShrU);
  c.op(Op::End);
  c.op(Op::I32Add);
  c.op(Op::End);
  return c;
}

// (n: i32) -> i32, locals i (1), acc (2):
//   loop { acc = table[i](i, acc); i += 1; br_if i < n } ; acc
ByteWriter run_all_function() {
  ByteWriter c;
  c.op(Op::Loop);
  c.u8(kEmptyBlock);
  c.op(Op::LocalGet, 1);
  c.op(Op::LocalGet, 2);
  c.op(Op::LocalGet, 1);
  c.op(Op::CallIndirect);
  c.uleb(0);  // type 0
  c.uleb(0);  // table 0
  c.op(Op::LocalSet, 2);
  c.op(Op::LocalGet, 1);
  c.i32_const(1);
  c.op(Op::I32Add);
  c.op(Op::LocalTee, 1);
  c.op(Op::LocalGet, 0);
  c.op(Op::I32LtU);
  c.op(Op::BrIf, 0);
  c.op(Op::End);
  c.op(Op::LocalGet, 2);
  c.op(Op::End);
  return c;
}

constexpr uint8_t kExportFunc = 0x00;
constexpr uint8_t kExportMemory = 0x02;
constexpr uint8_t kImportFunc = 0x00;

}  // namespace

uint32_t expected_loop_result(uint32_t n) {
  uint32_t acc = 0;
  for (uint32_t k = n; k >= 1; k--) acc += k + 1;
  return acc;
}

uint32_t expected_run_result(uint32_t n) {
  // Mirrors mixed_function(i) called as f_i(i, acc); the load reads back the
  // value just stored, so memory plays no further part.
  uint32_t acc = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t t = (i * (2654435761u + i * 40503u)) ^ acc;
    uint64_t w = uint64_t(t) * (0x5851F42D4C957F2Dull + i);
    double f = double(int32_t(t)) * (1.5 + i);
    uint32_t tail = f < 1000.0 ? ((t << 3) | (t >> 29)) : (t >> 5);
    acc = uint32_t(w >> 17) + t + tail;
  }
  return acc;
}

std::vector<uint8_t> host_call_module() {
  const ValType i32 = ValType::I32;
  ModuleWriter m;
  m.section(kTypeSection, type_section({{{i32}, {i32}}}));

  ByteWriter imports;
  imports.uleb(1);
  imports.name("bench");
  imports.name("host");
  imports.u8(kImportFunc);
  imports.uleb(0);
  m.section(kImportSection, imports);

  // Function indices: 0 = the import, 1 host_loop, 2 wasm_loop, 3 empty_loop, 4 inc.
  ByteWriter funcs;
  funcs.uleb(4);
  for (int i = 0; i < 4; i++) funcs.uleb(0);
  m.section(kFunctionSection, funcs);

  ByteWriter exports;
  exports.uleb(3);
  export_entry(exports, "host_loop", kExportFunc, 1);
  export_entry(exports, "wasm_loop", kExportFunc, 2);
  export_entry(exports, "empty_loop", kExportFunc, 3);
  m.section(kExportSection, exports);

  ByteWriter inc;
  inc.op(Op::LocalGet, 0);
  inc.i32_const(1);
  inc.op(Op::I32Add);
  inc.op(Op::End);

  ByteWriter code;
  code.uleb(4);
  code.append(function_body({i32}, counting_loop(0)));
  code.append(function_body({i32}, counting_loop(4)));
  code.append(function_body({i32}, counting_loop(-1)));
  code.append(function_body({}, inc));
  m.section(kCodeSection, code);
  return m.finish();
}

std::vector<uint8_t> generated_module(uint32_t num_funcs) {
  const ValType i32 = ValType::I32;
  ModuleWriter m;
  m.section(kTypeSection, type_section({{{i32, i32}, {i32}}, {{i32}, {i32}}}));

  // Functions 0 .. num_funcs-1 are type 0; `run` (index num_funcs) is type 1.
  ByteWriter funcs;
  funcs.uleb(num_funcs + 1);
  for (uint32_t i = 0; i < num_funcs; i++) funcs.uleb(0);
  funcs.uleb(1);
  m.section(kFunctionSection, funcs);

  ByteWriter table;
  table.uleb(1);
  table.type(ValType::FuncRef);
  table.u8(0x01);  // limits with a maximum
  table.uleb(num_funcs);
  table.uleb(num_funcs);
  m.section(kTableSection, table);

  ByteWriter memory;
  memory.uleb(1);
  memory.u8(0x00);  // limits without a maximum
  memory.uleb(1);
  m.section(kMemorySection, memory);

  // "run", "memory", and every 8th function, as a compiled program exports a few.
  ByteWriter exports;
  const uint32_t exported_funcs = (num_funcs + 7) / 8;
  exports.uleb(2 + exported_funcs);
  export_entry(exports, "run", kExportFunc, num_funcs);
  export_entry(exports, "memory", kExportMemory, 0);
  for (uint32_t i = 0; i < num_funcs; i += 8) {
    std::string name = "f";
    name += std::to_string(i);  // (not "f" + ...: GCC 12 warns falsely on that form)
    export_entry(exports, name, kExportFunc, i);
  }
  m.section(kExportSection, exports);

  ByteWriter elems;
  elems.uleb(1);
  elems.uleb(0);  // active, table 0, function indices
  elems.i32_const(0);
  elems.op(Op::End);
  elems.uleb(num_funcs);
  for (uint32_t i = 0; i < num_funcs; i++) elems.uleb(i);
  m.section(kElemSection, elems);

  ByteWriter code;
  code.uleb(num_funcs + 1);
  for (uint32_t i = 0; i < num_funcs; i++)
    code.append(function_body({i32, ValType::I64, ValType::F64}, mixed_function(i)));
  code.append(function_body({i32, i32}, run_all_function()));
  m.section(kCodeSection, code);

  ByteWriter data;
  data.uleb(1);
  data.uleb(0);  // active, memory 0
  data.i32_const(4096);
  data.op(Op::End);
  data.uleb(1024);
  for (uint32_t i = 0; i < 1024; i++) data.u8(static_cast<uint8_t>(i * 131 + 7));
  m.section(kDataSection, data);
  return m.finish();
}

}  // namespace continuum::bench
