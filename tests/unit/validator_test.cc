// Validator tests: function bodies (operand and control stacks, unreachable
// code, every hand-validated instruction group) and module-level rules, each
// error checked for the spec suite's message, and the formatted message of a
// type mismatch with instruction, types, function index and offset.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "continuum/engine/module.h"
#include "continuum/engine/port.h"
#include "module_bytes.h"

namespace continuum::engine {
namespace {

using test::Bytes;
using test::cat;
using test::code_entry;
using test::func_type;
using test::leb;
using test::name;
using test::section;
using test::vec;
using test::F32;
using test::F64;
using test::FUNCREF;
using test::I32;
using test::I64;

// Opcodes used below.
constexpr uint8_t UNREACHABLE = 0x00, BLOCK = 0x02, LOOP = 0x03, IF = 0x04, ELSE = 0x05, END = 0x0B, BR = 0x0C,
                  BR_IF = 0x0D, BR_TABLE = 0x0E, RETURN = 0x0F, CALL = 0x10, CALL_INDIRECT = 0x11, DROP = 0x1A,
                  SELECT = 0x1B, SELECT_T = 0x1C, LOCAL_GET = 0x20, LOCAL_SET = 0x21, GLOBAL_GET = 0x23,
                  GLOBAL_SET = 0x24, I32_LOAD = 0x28, I64_LOAD = 0x29, MEMORY_SIZE = 0x3F, I32_CONST = 0x41,
                  F64_CONST = 0x44, I32_ADD = 0x6A, I32_SUB = 0x6B, REF_NULL = 0xD0, REF_IS_NULL = 0xD1,
                  REF_FUNC = 0xD2, EMPTY = 0x40;

std::string text(const Error& e) {
  char buf[256];
  format_error(e, buf, sizeof buf);
  return buf;
}

// Position of each section id in the required order (data count before code).
int rank(uint8_t id) { return id == 12 ? 10 : id >= 10 ? id + 1 : id; }

using Sections = std::vector<std::pair<uint8_t, Bytes>>;

// Emits the sections in the required order (custom ones first).
Bytes assemble(const Sections& s) {
  Bytes out = test::header();
  for (int r = 0; r <= 12; ++r) {
    for (const auto& [id, payload] : s) {
      if (rank(id) != r) continue;
      Bytes sec = section(id, payload);
      out.insert(out.end(), sec.begin(), sec.end());
    }
  }
  return out;
}

// A module whose function 0 has type params -> results and body `instrs`
// (final end included). Type 0 is that function's type; `types` adds more.
Bytes func_module(Bytes params, Bytes results, const Bytes& instrs, Sections extra = {},
                  std::vector<Bytes> types = {}) {
  Bytes type_payload = leb(1 + types.size());
  Bytes first = func_type(params, results);
  type_payload.insert(type_payload.end(), first.begin(), first.end());
  for (const Bytes& t : types) type_payload.insert(type_payload.end(), t.begin(), t.end());
  extra.push_back({1, type_payload});
  extra.push_back({3, vec({leb(0)})});
  extra.push_back({10, vec({code_entry({}, instrs)})});
  return assemble(extra);
}

Result<Box<Module>> decode(const Bytes& b) { return decode_module(port::system_allocator(), b.data(), b.size()); }

void expect_valid(const Bytes& b, const char* what) {
  auto r = decode(b);
  EXPECT_TRUE(r.ok()) << what << ": " << (r.ok() ? "" : text(r.error()));
}

void expect_invalid(const Bytes& b, const char* message, const char* what) {
  auto r = decode(b);
  ASSERT_FALSE(r.ok()) << what << " should fail with " << message;
  EXPECT_STREQ(r.error().message, message) << what << ": " << text(r.error());
}

const Sections kMemory = {{5, vec({{0x00, 0x01}})}};

TEST(Validator, ValidBodies) {
  // Multi-value block typed by a type index: [i32 i32] -> [i32].
  expect_valid(func_module({}, {I32}, {I32_CONST, 1, I32_CONST, 2, BLOCK, 1, I32_ADD, END, END}, {},
                           {func_type({I32, I32}, {I32})}),
               "type-index block");
  // A loop taking a parameter, counting down with br_if.
  expect_valid(func_module({I32}, {I32},
                           {I32_CONST, 10, LOOP, 1, I32_CONST, 1, I32_SUB, 0x22 /* local.tee */, 0, LOCAL_GET, 0,
                            BR_IF, 0, END, END},
                           {}, {func_type({I32}, {I32})}),
               "loop with parameter");
  // if/else producing a value.
  expect_valid(func_module({I32}, {I64}, {LOCAL_GET, 0, IF, I64, 0x42, 1, ELSE, 0x42, 2, END, END}), "if/else");
  // br_table to two blocks.
  expect_valid(func_module({I32}, {},
                           {BLOCK, EMPTY, BLOCK, EMPTY, LOCAL_GET, 0, BR_TABLE, 2, 0, 1, 0, END, END, END}),
               "br_table");
  // After unreachable the stack is polymorphic: any operands, any results.
  expect_valid(func_module({}, {I32}, {UNREACHABLE, I32_ADD, END}), "unreachable then i32.add");
  expect_valid(func_module({}, {F64}, {UNREACHABLE, END}), "unreachable then end");
  expect_valid(func_module({}, {}, {RETURN, I32_ADD, DROP, SELECT, DROP, END}), "after return");
  expect_valid(func_module({}, {I32}, {BLOCK, I32, I32_CONST, 5, BR, 0, I32_ADD, END, END}), "br carries the result");
  // Typed select on references and ref.is_null.
  expect_valid(func_module({}, {I32},
                           {REF_NULL, FUNCREF, REF_NULL, FUNCREF, I32_CONST, 1, SELECT_T, 1, FUNCREF, REF_IS_NULL, END}),
               "select t");
  // Memory access with natural alignment.
  expect_valid(func_module({}, {I64}, {I32_CONST, 0, I64_LOAD, 3, 0, END}, kMemory), "i64.load align 8");
  // ref.func on a function declared by a declarative element segment.
  expect_valid(func_module({}, {}, {REF_FUNC, 0, DROP, END}, {{9, vec({{0x03, 0x00, 0x01, 0x00}})}}),
               "declared ref.func");
}

TEST(Validator, TypeMismatchMessage) {
  // One imported function, so the defined one is function 1.
  Bytes body = {I32_CONST, 1, F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0, I32_ADD, DROP, END};
  Bytes b = func_module({}, {}, body, {{2, vec({cat({name("env"), name("f"), {0x00, 0x00}})})}});
  auto r = decode(b);
  ASSERT_FALSE(r.ok());
  const Error& e = r.error();
  EXPECT_STREQ(e.message, "type mismatch");
  EXPECT_STREQ(e.context, "i32.add");
  EXPECT_EQ(e.expected, ValType::I32);
  EXPECT_EQ(e.actual, ValType::F64);
  EXPECT_EQ(e.function, 1u);
  uint32_t add_offset = static_cast<uint32_t>(b.size() - 3);  // i32.add, drop, end close the module
  EXPECT_EQ(e.offset, add_offset);
  char expected[128];
  snprintf(expected, sizeof expected, "type mismatch in i32.add: expected i32, got f64 (function 1, offset 0x%x)",
           add_offset);
  EXPECT_EQ(text(e), expected);
}

TEST(Validator, MissingOperandSaysNothing) {
  auto r = decode(func_module({}, {I32}, {END}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(text(r.error()).substr(0, 42), "type mismatch in end: expected i32, got no");
}

struct BodyCase {
  const char* what;
  Bytes params, results, instrs;
  Sections extra;
  const char* message;
};

TEST(Validator, BodyErrors) {
  const Sections immutable_global = {{6, vec({{I32, 0x00, I32_CONST, 0, END}})}};
  const Sections funcref_table = {{4, vec({{FUNCREF, 0x00, 0x01}})}};
  const Sections passive_data = {{5, vec({{0x00, 0x01}})}, {11, vec({{0x01, 0x00}})}};
  const std::vector<BodyCase> cases = {
      {"too few results", {}, {I32}, {END}, {}, "type mismatch"},
      {"too many results", {}, {}, {I32_CONST, 1, END}, {}, "type mismatch"},
      {"wrong operand", {}, {}, {F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0, LOCAL_SET, 0, END}, {}, "unknown local"},
      {"local.set type", {I32}, {}, {F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0, LOCAL_SET, 0, END}, {}, "type mismatch"},
      {"unknown label", {}, {}, {BR, 1, END}, {}, "unknown label"},
      {"unknown function", {}, {}, {CALL, 9, END}, {}, "unknown function"},
      {"unknown global", {}, {}, {GLOBAL_GET, 0, DROP, END}, {}, "unknown global"},
      {"immutable global", {}, {}, {I32_CONST, 0, GLOBAL_SET, 0, END}, immutable_global, "global is immutable"},
      {"no memory", {}, {}, {I32_CONST, 0, I32_LOAD, 2, 0, DROP, END}, {}, "unknown memory"},
      {"over-aligned", {}, {}, {I32_CONST, 0, I32_LOAD, 3, 0, DROP, END}, kMemory,
       "alignment must not be larger than natural"},
      {"memory.size reserved byte", {}, {}, {MEMORY_SIZE, 1, DROP, END}, kMemory, "zero byte expected"},
      {"no table", {}, {}, {I32_CONST, 0, CALL_INDIRECT, 0, 0, END}, {}, "unknown table"},
      {"call_indirect type", {}, {}, {I32_CONST, 0, CALL_INDIRECT, 5, 0, END}, funcref_table, "unknown type"},
      {"select on references", {}, {}, {REF_NULL, FUNCREF, REF_NULL, FUNCREF, I32_CONST, 1, SELECT, DROP, END}, {},
       "type mismatch"},
      {"select operands differ", {}, {}, {I32_CONST, 1, F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0, I32_CONST, 1, SELECT, DROP, END},
       {}, "type mismatch"},
      {"select t arity", {}, {}, {I32_CONST, 1, I32_CONST, 1, I32_CONST, 1, SELECT_T, 2, I32, I32, DROP, END}, {},
       "invalid result arity"},
      {"if without else changes types", {}, {I32}, {I32_CONST, 1, IF, I32, I32_CONST, 1, END, END}, {},
       "type mismatch"},
      {"br_table arity", {}, {},
       {BLOCK, I32, BLOCK, EMPTY, I32_CONST, 0, BR_TABLE, 1, 0, 1, END, I32_CONST, 0, END, DROP, END}, {},
       "type mismatch"},
      {"br_if value", {}, {}, {BLOCK, I32, I32_CONST, 1, BR_IF, 0, END, DROP, END}, {}, "type mismatch"},
      {"ref.is_null on i32", {}, {}, {I32_CONST, 1, REF_IS_NULL, DROP, END}, {}, "type mismatch"},
      {"undeclared ref.func", {}, {}, {REF_FUNC, 0, DROP, END}, {}, "undeclared function reference"},
      {"data.drop without data count", {}, {}, {0xFC, 9, 0, END}, passive_data, "data count section required"},
      {"data.drop unknown segment", {}, {}, {0xFC, 9, 1, END}, {{12, leb(1)}, {11, vec({{0x01, 0x00}})}},
       "unknown data segment"},
      {"elem.drop unknown segment", {}, {}, {0xFC, 13, 0, END}, {}, "unknown elem segment"},
      {"illegal opcode", {}, {}, {0x06, END}, {}, "illegal opcode"},
      {"illegal 0xFC opcode", {}, {}, {0xFC, 30, END}, {}, "illegal opcode"},
      {"SIMD instruction", {}, {}, {0xFD, 0x0C, END}, {}, "SIMD is not supported"},
      {"else without if", {}, {}, {BLOCK, EMPTY, ELSE, END, END}, {}, "END opcode expected"},
      {"missing end", {}, {}, {BLOCK, EMPTY, END}, {}, "unexpected end of section or function"},
      {"code after the end", {}, {}, {END, I32_CONST, 0}, {}, "section size mismatch"},
      {"block type index", {}, {}, {BLOCK, 7, END, END}, {}, "unknown type"},
      {"v128 block type", {}, {}, {BLOCK, 0x7B, END, END}, {}, "SIMD is not supported"},
  };
  for (const BodyCase& c : cases) expect_invalid(func_module(c.params, c.results, c.instrs, c.extra), c.message, c.what);
}

TEST(Validator, SimdOffsetPointsAtPrefix) {
  Bytes b = func_module({}, {}, {0xFD, 0x0C, END});
  auto r = decode(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().offset, b.size() - 3);
}

TEST(Validator, DeepNestingDoesNotRecurse) {
  constexpr int kDepth = 200000;
  Bytes body;
  for (int i = 0; i < kDepth; ++i) body.insert(body.end(), {BLOCK, EMPTY});
  Bytes unclosed = body;
  unclosed.push_back(END);
  body.insert(body.end(), kDepth + 1, END);
  expect_valid(func_module({}, {}, body), "200000 nested blocks");
  expect_invalid(func_module({}, {}, unclosed), "unexpected end of section or function", "unclosed blocks");
}

TEST(Validator, ModuleErrors) {
  Bytes no_op = {END};
  const Bytes types = vec({func_type({}, {}), func_type({I32}, {})});
  struct Case {
    const char* what;
    Sections sections;
    const char* message;
  };
  auto with_func = [&](Sections s) {
    s.push_back({1, types});
    s.push_back({3, vec({leb(0)})});
    s.push_back({10, vec({code_entry({}, no_op)})});
    return s;
  };
  const std::vector<Case> cases = {
      {"duplicate export", with_func({{7, vec({cat({name("f"), {0x00, 0x00}}), cat({name("f"), {0x00, 0x00}})})}}),
       "duplicate export name"},
      {"export of unknown function", with_func({{7, vec({cat({name("f"), {0x00, 0x05}})})}}), "unknown function"},
      {"start with a parameter", {{1, types}, {3, vec({leb(1)})}, {8, leb(0)}, {10, vec({code_entry({}, no_op)})}},
       "start function"},
      {"unknown start", with_func({{8, leb(3)}}), "unknown function"},
      {"unknown type", {{1, types}, {3, vec({leb(2)})}, {10, vec({code_entry({}, no_op)})}}, "unknown type"},
      {"two memories", {{5, vec({{0x00, 0x01}, {0x00, 0x01}})}}, "multiple memories"},
      {"memory too large", {{5, vec({cat({{0x00}, leb(65537)})})}}, "memory size must be at most 65536 pages (4GiB)"},
      {"memory min > max", {{5, vec({{0x01, 0x02, 0x01}})}}, "size minimum must not be greater than maximum"},
      {"table min > max", {{4, vec({{FUNCREF, 0x01, 0x02, 0x01}})}}, "size minimum must not be greater than maximum"},
      {"non-constant initialiser", {{6, vec({{I32, 0x00, I32_CONST, 0, I32_CONST, 0, I32_ADD, END}})}},
       "constant expression required"},
      {"initialiser type", {{6, vec({{I32, 0x00, 0x42, 0, END}})}}, "type mismatch"},
      {"empty initialiser", {{6, vec({{I32, 0x00, END}})}}, "type mismatch"},
      {"initialiser reads a defined global",
       {{6, vec({{I32, 0x00, I32_CONST, 0, END}, {I32, 0x00, GLOBAL_GET, 0, END}})}}, "unknown global"},
      {"initialiser reads a mutable import",
       {{2, vec({cat({name("m"), name("g"), {0x03, I32, 0x01}})})}, {6, vec({{I32, 0x00, GLOBAL_GET, 0, END}})}},
       "constant expression required"},
      {"segment for unknown table", with_func({{9, vec({{0x00, I32_CONST, 0, END, 0x01, 0x00}})}}), "unknown table"},
      {"segment type differs from table",
       with_func({{4, vec({{test::EXTERNREF, 0x00, 0x01}})}, {9, vec({{0x00, I32_CONST, 0, END, 0x01, 0x00}})}}),
       "type mismatch"},
      {"data for unknown memory", {{11, vec({{0x00, I32_CONST, 0, END, 0x00}})}}, "unknown memory"},
      {"data offset type", {{5, vec({{0x00, 0x01}})}, {11, vec({{0x00, 0x42, 0, END, 0x00}})}}, "type mismatch"},
  };
  for (const Case& c : cases) expect_invalid(assemble(c.sections), c.message, c.what);
}

}  // namespace
}  // namespace continuum::engine
