// Decoder tests: structure of decoded modules, streaming in chunks of every
// size, LEB128 edge cases, the spec suite's error messages with offsets,
// hostile counts and allocation failure.
#include <gtest/gtest.h>
#include <string.h>

#include <string>

#include "continuum/engine/allocator.h"
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

Allocator& heap() { return port::system_allocator(); }

Result<Box<Module>> decode(const Bytes& b) { return decode_module(heap(), b.data(), b.size()); }

std::string text(const Error& e) {
  char buf[256];
  format_error(e, buf, sizeof buf);
  return buf;
}

// Expects decoding to fail with `message` at byte `offset`.
void expect_error(const Bytes& b, const char* message, uint32_t offset) {
  auto r = decode(b);
  ASSERT_FALSE(r.ok()) << "expected: " << message;
  EXPECT_STREQ(r.error().message, message) << text(r.error());
  EXPECT_EQ(r.error().offset, offset) << text(r.error());
}

// A module touching most sections: an imported function and global, a
// table, a memory, a global, exports, start, an element segment, data count,
// two functions (one with locals), a data segment and custom sections.
Bytes rich_module() {
  return test::module({
      section(0, cat({name("first"), {1, 2, 3}})),
      section(1, vec({func_type({}, {}), func_type({test::I32, test::I32}, {test::I32})})),
      section(2, vec({cat({name("env"), name("tick"), {0x00}, leb(0)}),
                      cat({name("env"), name("base"), {0x03, test::I32, 0x00}})})),
      section(3, vec({leb(0), leb(1)})),
      section(4, vec({{test::FUNCREF, 0x01, 0x01, 0x04}})),
      section(5, vec({{0x01, 0x01, 0x02}})),
      section(6, vec({{test::I64, 0x01, 0x42, 0x2A, 0x0B}})),
      section(7, vec({cat({name("add"), {0x00}, leb(2)}), cat({name("mem"), {0x02}, leb(0)})})),
      section(8, leb(1)),
      section(9, vec({{0x00, 0x41, 0x00, 0x0B, 0x02, 0x01, 0x02}})),
      section(12, leb(1)),
      section(10, vec({code_entry({}, {0x0B}),
                       code_entry({{2, test::I64}, {1, test::F32}}, {0x20, 0x00, 0x20, 0x01, 0x6A, 0x0B})})),
      section(11, vec({{0x00, 0x23, 0x00, 0x0B, 0x03, 'a', 'b', 'c'}})),
      section(0, cat({name("last"), {}})),
  });
}

TEST(Decoder, EmptyModule) {
  auto r = decode(test::header());
  ASSERT_TRUE(r.ok()) << text(r.error());
  EXPECT_EQ(r.value()->num_funcs(), 0u);
  EXPECT_EQ(r.value()->sections.size(), 0u);
  EXPECT_EQ(r.value()->start, kNoIndex);
  EXPECT_EQ(r.value()->data_count, kNoIndex);
}

TEST(Decoder, DecodesEverySection) {
  Bytes b = rich_module();
  auto r = decode(b);
  ASSERT_TRUE(r.ok()) << text(r.error());
  const Module& m = *r.value();

  ASSERT_EQ(m.size(), b.size());
  EXPECT_EQ(memcmp(m.bytes(), b.data(), b.size()), 0);  // the module keeps its own copy

  ASSERT_EQ(m.types.size(), 2u);
  ASSERT_EQ(m.types[1].params.size(), 2u);
  EXPECT_EQ(m.types[1].results[0], ValType::I32);

  ASSERT_EQ(m.imports.size(), 2u);
  EXPECT_TRUE(m.name_equals(m.imports[0].module, "env", 3));
  EXPECT_TRUE(m.name_equals(m.imports[0].name, "tick", 4));
  EXPECT_FALSE(m.name_equals(m.imports[0].name, "tic", 3));
  EXPECT_EQ(m.imports[1].kind, ExternKind::Global);
  EXPECT_EQ(m.num_imported_funcs, 1u);
  EXPECT_EQ(m.num_imported_globals, 1u);

  // Index spaces list imports first.
  EXPECT_EQ(m.num_funcs(), 3u);
  EXPECT_EQ(m.func_type_index(0), 0u);
  EXPECT_EQ(m.func_type_index(2), 1u);
  EXPECT_EQ(m.num_globals(), 2u);
  EXPECT_EQ(m.global_type(0).type, ValType::I32);
  EXPECT_EQ(m.global_type(1).type, ValType::I64);
  EXPECT_TRUE(m.global_type(1).is_mutable);
  EXPECT_EQ(m.globals[0].init.kind, ConstExpr::Kind::I64);
  EXPECT_EQ(m.globals[0].init.bits, 42u);

  ASSERT_EQ(m.num_tables(), 1u);
  EXPECT_EQ(m.table_type(0).limits.max, 4u);
  ASSERT_EQ(m.num_memories(), 1u);
  EXPECT_TRUE(m.memory_type(0).limits.has_max);
  EXPECT_EQ(m.memory_type(0).limits.min, 1u);
  EXPECT_EQ(m.memory_type(0).limits.max, 2u);

  ASSERT_EQ(m.exports.size(), 2u);
  EXPECT_TRUE(m.name_equals(m.exports[0].name, "add", 3));
  EXPECT_EQ(m.exports[0].index, 2u);
  EXPECT_EQ(m.exports[1].kind, ExternKind::Memory);
  EXPECT_EQ(m.start, 1u);

  ASSERT_EQ(m.elems.size(), 1u);
  EXPECT_EQ(m.elems[0].mode, SegmentMode::Active);
  ASSERT_EQ(m.elems[0].items.size(), 2u);
  EXPECT_EQ(m.elems[0].items[1].kind, ConstExpr::Kind::RefFunc);
  EXPECT_EQ(m.elems[0].items[1].bits, 2u);

  EXPECT_EQ(m.data_count, 1u);
  ASSERT_EQ(m.datas.size(), 1u);
  EXPECT_EQ(m.datas[0].offset.kind, ConstExpr::Kind::GlobalGet);
  EXPECT_EQ(m.datas[0].offset.type, ValType::I32);
  EXPECT_EQ(m.datas[0].bytes.size, 3u);
  EXPECT_EQ(memcmp(m.bytes() + m.datas[0].bytes.offset, "abc", 3), 0);

  // Locals expanded one per entry; the body runs to the final end.
  ASSERT_EQ(m.functions.size(), 2u);
  const Function& add = m.functions[1];
  ASSERT_EQ(add.locals.size(), 3u);
  EXPECT_EQ(add.locals[0], ValType::I64);
  EXPECT_EQ(add.locals[2], ValType::F32);
  ASSERT_EQ(add.body.size, 6u);
  EXPECT_EQ(m.bytes()[add.body.offset], 0x20);
  EXPECT_EQ(m.bytes()[add.body.offset + add.body.size - 1], 0x0B);
  EXPECT_EQ(add.code.offset + add.code.size, add.body.offset + add.body.size);

  ASSERT_EQ(m.customs.size(), 2u);
  EXPECT_TRUE(m.name_equals(m.customs[0].name, "first", 5));
  EXPECT_EQ(m.customs[0].payload.size, 3u);
  EXPECT_TRUE(m.name_equals(m.customs[1].name, "last", 4));

  // Section table for `inspect`: every section, customs included, in order.
  ASSERT_EQ(m.sections.size(), 14u);
  EXPECT_EQ(m.sections[0].id, 0);
  EXPECT_EQ(m.sections[0].offset, 8u);
  EXPECT_EQ(m.sections[1].id, 1);
  EXPECT_EQ(m.sections[10].id, 12);
  EXPECT_EQ(m.sections[13].id, 0);
}

// Everything the decoder produces, flattened, to compare two decodings.
std::string summary(const Module& m) {
  std::string s;
  auto add = [&s](uint64_t v) { s += std::to_string(v) + ","; };
  for (const SectionInfo& i : m.sections) add(i.id), add(i.offset), add(i.size);
  add(m.types.size()), add(m.imports.size()), add(m.num_funcs()), add(m.num_tables());
  add(m.num_memories()), add(m.num_globals()), add(m.exports.size()), add(m.start);
  for (const Function& f : m.functions) add(f.locals.size()), add(f.body.offset), add(f.body.size);
  for (const ElemSegment& e : m.elems) add(e.items.size());
  for (const DataSegment& d : m.datas) add(d.bytes.offset), add(d.bytes.size);
  for (const CustomSection& c : m.customs) add(c.name.offset), add(c.payload.size);
  return s;
}

TEST(Decoder, SameResultForEveryChunkSize) {
  Bytes b = rich_module();
  auto whole = decode(b);
  ASSERT_TRUE(whole.ok());
  std::string expected = summary(*whole.value());
  for (size_t chunk = 1; chunk <= b.size(); ++chunk) {
    ModuleDecoder d(heap());
    for (size_t pos = 0; pos < b.size(); pos += chunk) {
      size_t n = b.size() - pos < chunk ? b.size() - pos : chunk;
      ASSERT_TRUE(d.feed(b.data() + pos, n).ok()) << "chunk " << chunk;
    }
    EXPECT_EQ(d.bytes_received(), b.size());
    auto r = d.finish();
    ASSERT_TRUE(r.ok()) << "chunk " << chunk << ": " << text(r.error());
    EXPECT_EQ(summary(*r.value()), expected) << "chunk " << chunk;
  }
}

TEST(Decoder, ErrorFoundBeforeTheEnd) {
  // A bad section id right after the type section, then lots more bytes:
  // feeding byte by byte must fail on the bad byte, not at finish().
  Bytes b = cat({test::header(), section(1, vec({func_type({}, {})})), {0x0D, 0x00}, Bytes(1000, 0)});
  size_t bad = 8 + 6;
  ModuleDecoder d(heap());
  for (size_t i = 0; i < b.size(); ++i) {
    auto r = d.feed(&b[i], 1);
    if (i < bad) {
      ASSERT_TRUE(r.ok()) << "byte " << i << ": " << text(r.error());
    } else {
      ASSERT_FALSE(r.ok());
      EXPECT_STREQ(r.error().message, "malformed section id");
      EXPECT_EQ(r.error().offset, bad);
      EXPECT_EQ(i, bad);
      break;
    }
  }
  // Later calls keep reporting the same error.
  auto again = d.feed(b.data(), 1);
  ASSERT_FALSE(again.ok());
  EXPECT_STREQ(again.error().message, "malformed section id");
  auto fin = d.finish();
  ASSERT_FALSE(fin.ok());
  EXPECT_STREQ(fin.error().message, "malformed section id");
}

TEST(Decoder, TruncatedSectionReportedAtFinish) {
  // The section promises 4 payload bytes; only 2 arrive before the end.
  Bytes b = cat({test::header(), {0x01, 0x04, 0x01, 0x60}});
  ModuleDecoder d(heap());
  ASSERT_TRUE(d.feed(b.data(), b.size()).ok());  // could still be completed
  EXPECT_EQ(d.bytes_received(), b.size());
  auto r = d.finish();
  ASSERT_FALSE(r.ok());
  EXPECT_STREQ(r.error().message, "length out of bounds");
  EXPECT_EQ(r.error().offset, 9u);
}

TEST(Decoder, SpentAfterFinish) {
  ModuleDecoder d(heap());
  Bytes b = test::header();
  ASSERT_TRUE(d.feed(b.data(), b.size()).ok());
  auto first = d.finish();
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(d.feed(b.data(), 1).ok());
  EXPECT_FALSE(d.finish().ok());
  EXPECT_EQ(first.value()->size(), 8u);  // the module outlives its decoder's state
}

TEST(Decoder, MalformedBodyRefusedBeforeLaterSections) {
  // A function body with an unknown opcode; a big data section follows.
  Bytes code = section(10, vec({code_entry({}, {0x06, 0x0B})}));
  Bytes head = test::module({section(1, vec({func_type({}, {})})), section(3, vec({leb(0)})),
                             section(5, vec({{0x00, 0x01}})), code});
  ModuleDecoder d(heap());
  ASSERT_TRUE(d.feed(head.data(), head.size() - 1).ok());  // code section not complete yet
  auto r = d.feed(&head[head.size() - 1], 1);
  ASSERT_FALSE(r.ok());
  EXPECT_STREQ(r.error().message, "illegal opcode");
  EXPECT_EQ(r.error().offset, head.size() - 2);
  EXPECT_EQ(r.error().function, 0u);
}

TEST(Decoder, BadMagicFoundAfterFourBytes) {
  ModuleDecoder d(heap());
  const uint8_t bytes[] = {0x00, 0x61, 0x73, 0x6E};
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(d.feed(&bytes[i], 1).ok());
  auto r = d.feed(&bytes[3], 1);
  ASSERT_FALSE(r.ok());
  EXPECT_STREQ(r.error().message, "magic header not detected");
}

TEST(Decoder, HeaderErrors) {
  expect_error({}, "unexpected end", 0);
  expect_error({0x00, 0x61, 0x73}, "unexpected end", 3);
  expect_error({0x00, 0x61, 0x73, 0x6D, 0x01, 0x00}, "unexpected end", 6);
  expect_error({0x00, 0x41, 0x53, 0x4D, 0x01, 0x00, 0x00, 0x00}, "magic header not detected", 0);
  expect_error({0x00, 0x61, 0x73, 0x6D, 0x02, 0x00, 0x00, 0x00}, "unknown binary version", 4);
}

TEST(Decoder, SectionFramingErrors) {
  expect_error(cat({test::header(), {0x0D, 0x00}}), "malformed section id", 8);
  // Type section that claims 5 bytes but holds one type of 3 bytes + count.
  expect_error(cat({test::header(), {0x01, 0x05, 0x01, 0x60, 0x00, 0x00, 0x00}}), "section size mismatch", 14);
  // Section size pointing past the end of the module.
  expect_error(cat({test::header(), {0x01, 0x07, 0x01, 0x60, 0x00, 0x00}}), "length out of bounds", 9);
  // Section id with no size.
  expect_error(cat({test::header(), {0x01}}), "unexpected end", 9);
  // A count that runs past the end of its section.
  expect_error(cat({test::header(), {0x05, 0x01, 0x01}}), "unexpected end of section or function", 11);
  // Sections out of order, and a duplicate.
  expect_error(test::module({section(3, vec({})), section(1, vec({}))}), "unexpected content after last section", 11);
  expect_error(test::module({section(1, vec({})), section(1, vec({}))}), "unexpected content after last section", 11);
  // Custom sections may appear anywhere, also between ordered sections.
  auto ok = decode(test::module({section(1, vec({})), section(0, name("x")), section(3, vec({}))}));
  EXPECT_TRUE(ok.ok());
}

TEST(Decoder, Leb128EdgeCases) {
  // Type count 1 in the longest permitted encoding.
  EXPECT_TRUE(decode(cat({test::header(), {0x01, 0x08, 0x81, 0x80, 0x80, 0x80, 0x00, 0x60, 0x00, 0x00}})).ok());
  // Five bytes whose last carries bits beyond 32.
  expect_error(cat({test::header(), {0x01, 0x08, 0x80, 0x80, 0x80, 0x80, 0x10, 0x60, 0x00, 0x00}}),
               "integer too large", 10);
  // Six bytes.
  expect_error(cat({test::header(), {0x01, 0x09, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x60, 0x00, 0x00}}),
               "integer representation too long", 10);
  // Section size LEB cut off by the end of input.
  expect_error(cat({test::header(), {0x01, 0x80}}), "unexpected end", 10);
  // Signed: i32.const 0x7fffffff and -0x80000000 are fine, bits beyond the sign are not.
  auto global_with = [](Bytes init) {
    return test::module({section(6, vec({cat({{test::I32, 0x00, 0x41}, init, {0x0B}})}))});
  };
  EXPECT_TRUE(decode(global_with({0xFF, 0xFF, 0xFF, 0xFF, 0x07})).ok());
  EXPECT_TRUE(decode(global_with({0x80, 0x80, 0x80, 0x80, 0x78})).ok());
  expect_error(global_with({0x80, 0x80, 0x80, 0x80, 0x70}), "integer too large", 14);
  expect_error(global_with({0xFF, 0xFF, 0xFF, 0xFF, 0x0F}), "integer too large", 14);
}

TEST(Decoder, EntryErrorsWithOffsets) {
  Bytes types = section(1, vec({func_type({}, {})}));
  // Import kind 4 does not exist.
  expect_error(test::module({section(2, vec({cat({name("a"), name("b"), {0x04, 0x00}})}))}),
               "malformed import kind", 15);
  // Global mutability flag 2.
  expect_error(test::module({section(6, vec({{test::I32, 0x02, 0x41, 0x00, 0x0B}}))}), "malformed mutability", 12);
  // A name that is not UTF-8 (a lone continuation byte).
  expect_error(test::module({section(7, vec({cat({leb(1), {0x80}, {0x00, 0x00}})}))}), "malformed UTF-8 encoding",
               12);
  // Table of a non-reference type.
  expect_error(test::module({section(4, vec({{test::I32, 0x00, 0x00}}))}), "malformed reference type", 11);
  // Function and code section counts differ (either way round).
  expect_error(test::module({types, section(3, vec({leb(0), leb(0)})), section(10, vec({code_entry({}, {0x0B})}))}),
               "function and code section have inconsistent lengths", 21);  // the code count
  expect_error(test::module({types, section(3, vec({leb(0)}))}),
               "function and code section have inconsistent lengths", 18);
  // Data count section disagrees with the data section.
  expect_error(test::module({section(5, vec({{0x00, 0x01}})), section(12, leb(2)),
                             section(11, vec({{0x01, 0x00}}))}),
               "data count and data section have inconsistent lengths", 18);
  expect_error(test::module({section(12, leb(1))}), "data count and data section have inconsistent lengths", 11);
}

TEST(Decoder, TooManyLocals) {
  // 0x40000000 locals of each of four types: 2^32 in total.
  Bytes body = cat({leb(4), leb(0x40000000), {test::I32}, leb(0x40000000), {test::I64}, leb(0x40000000),
                    {test::F32}, leb(0x40000000), {test::F64}, {0x0B}});
  Bytes b = test::module({section(1, vec({func_type({}, {})})), section(3, vec({leb(0)})),
                          section(10, vec({cat({leb(body.size()), body})}))});
  auto r = decode(b);
  ASSERT_FALSE(r.ok());
  EXPECT_STREQ(r.error().message, "too many locals");
  EXPECT_EQ(r.error().offset, 23u);  // the first group's count already exceeds the engine limit
}

TEST(Decoder, SimdValueTypeRefused) {
  expect_error(test::module({section(1, vec({func_type({test::V128}, {})}))}), "SIMD is not supported", 13);
  expect_error(test::module({section(6, vec({{test::V128, 0x00, 0xFD, 0x0C}}))}), "SIMD is not supported", 11);
}

TEST(Decoder, AllElementSegmentEncodings) {
  Bytes offset = {0x41, 0x00, 0x0B};
  Bytes ref_func0 = {0xD2, 0x00, 0x0B};
  Bytes ref_null = {0xD0, test::FUNCREF, 0x0B};
  Bytes b = test::module({
      section(1, vec({func_type({}, {})})),
      section(3, vec({leb(0)})),
      section(4, vec({{test::FUNCREF, 0x00, 0x01}, {test::FUNCREF, 0x00, 0x01}})),
      section(9, vec({
                     cat({leb(0), offset, vec({leb(0)})}),                        // active, table 0, indices
                     cat({leb(1), {0x00}, vec({leb(0), leb(0)})}),                 // passive, indices
                     cat({leb(2), leb(1), offset, {0x00}, vec({leb(0)})}),         // active, table 1, indices
                     cat({leb(3), {0x00}, vec({leb(0)})}),                         // declarative, indices
                     cat({leb(4), offset, vec({ref_func0, ref_null})}),           // active, table 0, exprs
                     cat({leb(5), {test::EXTERNREF}, vec({{0xD0, 0x6F, 0x0B}})}),  // passive, exprs
                     cat({leb(6), leb(1), offset, {test::FUNCREF}, vec({ref_null})}),  // active, table 1, exprs
                     cat({leb(7), {test::FUNCREF}, vec({ref_func0})}),            // declarative, exprs
                 })),
      section(10, vec({code_entry({}, {0x0B})})),
  });
  auto r = decode(b);
  ASSERT_TRUE(r.ok()) << text(r.error());
  const Module& m = *r.value();
  ASSERT_EQ(m.elems.size(), 8u);
  const SegmentMode modes[] = {SegmentMode::Active, SegmentMode::Passive,     SegmentMode::Active,
                               SegmentMode::Declarative, SegmentMode::Active, SegmentMode::Passive,
                               SegmentMode::Active, SegmentMode::Declarative};
  const uint32_t tables[] = {0, 0, 1, 0, 0, 0, 1, 0};
  const size_t counts[] = {1, 2, 1, 1, 2, 1, 1, 1};
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(m.elems[i].mode, modes[i]) << i;
    EXPECT_EQ(m.elems[i].table, tables[i]) << i;
    EXPECT_EQ(m.elems[i].items.size(), counts[i]) << i;
  }
  EXPECT_EQ(m.elems[5].type, ValType::ExternRef);
  EXPECT_EQ(m.elems[4].items[1].kind, ConstExpr::Kind::RefNull);
  EXPECT_EQ(m.elems[1].items[1].kind, ConstExpr::Kind::RefFunc);
}

TEST(Decoder, AllDataSegmentEncodings) {
  Bytes b = test::module({
      section(5, vec({{0x00, 0x01}})),
      section(11, vec({cat({leb(0), {0x41, 0x08, 0x0B}, name("ab")}), cat({leb(1), name("cde")}),
                       cat({leb(2), leb(0), {0x41, 0x10, 0x0B}, name("")})})),
  });
  auto r = decode(b);
  ASSERT_TRUE(r.ok()) << text(r.error());
  const Module& m = *r.value();
  ASSERT_EQ(m.datas.size(), 3u);
  EXPECT_EQ(m.datas[0].mode, SegmentMode::Active);
  EXPECT_EQ(m.datas[0].offset.bits, 8u);
  EXPECT_EQ(m.datas[1].mode, SegmentMode::Passive);
  EXPECT_EQ(m.datas[1].bytes.size, 3u);
  EXPECT_EQ(m.datas[2].mode, SegmentMode::Active);
  EXPECT_EQ(m.datas[2].offset.bits, 16u);
  EXPECT_EQ(m.datas[2].bytes.size, 0u);
}

TEST(Decoder, HostileCountsDoNotAllocate) {
  // A few bytes claiming 2^32-1 types, imports, functions, locals groups ...
  BoundedAllocator budget(heap(), 64 * 1024);
  for (uint8_t id : {1, 2, 3, 4, 5, 6, 7, 9, 10, 11}) {
    Bytes b = cat({test::header(), {id, 0x05, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F}});
    auto r = decode_module(budget, b.data(), b.size());
    ASSERT_FALSE(r.ok()) << "section " << int(id);
    EXPECT_STRNE(r.error().message, "out of memory") << "section " << int(id);
    EXPECT_LT(budget.peak(), 4096u) << "section " << int(id);
  }
  EXPECT_EQ(budget.used(), 0u);
}

TEST(Decoder, AllocationFailureIsAnError) {
  // Every budget either suffices or yields "out of memory"; nothing leaks.
  Bytes b = rich_module();
  bool succeeded = false;
  for (size_t limit = 0; limit < 64 * 1024 && !succeeded; limit += 16) {
    BoundedAllocator budget(heap(), limit);
    {
      auto r = decode_module(budget, b.data(), b.size());
      if (r.ok()) {
        succeeded = true;
      } else {
        EXPECT_STREQ(r.error().message, "out of memory") << "limit " << limit;
      }
    }
    EXPECT_EQ(budget.used(), 0u) << "limit " << limit;
  }
  EXPECT_TRUE(succeeded);
}

}  // namespace
}  // namespace continuum::engine
