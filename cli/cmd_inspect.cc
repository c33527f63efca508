// `continuum inspect FILE.wasm [--json]`: what is inside a module.
//
// The facts are gathered once into a JSON document; the human-readable
// output is rendered from that same document, so both forms always agree.
#include <inttypes.h>
#include <stdio.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "commands.h"
#include "continuum/engine/port.h"
#include "exit_codes.h"
#include "load.h"

namespace continuum::cli {
namespace {

using engine::ExternKind;
using engine::Module;
using json = nlohmann::ordered_json;

const char* section_name(uint8_t id) {
  static const char* const kNames[] = {"custom", "type",   "import", "function", "table",
                                       "memory", "global", "export", "start",    "element",
                                       "code",   "data",   "datacount"};
  return id < sizeof kNames / sizeof kNames[0] ? kNames[id] : "unknown";
}

std::string name_of(const Module& m, engine::ByteRange r) {
  return std::string(m.name_ptr(r), r.size);
}

std::string func_type_text(const engine::FuncType& t) {
  auto list = [](const engine::Vec<engine::ValType>& types) {
    std::string text = "(";
    for (size_t i = 0; i < types.size(); ++i)
      text += std::string(i ? ", " : "") + engine::val_type_name(types[i]);
    return text + ")";
  };
  return list(t.params) + " -> " + list(t.results);
}

std::string limits_text(const engine::Limits& l, const char* unit) {
  std::string text = "min " + std::to_string(l.min);
  if (l.has_max) text += ", max " + std::to_string(l.max);
  return text + " " + unit;
}

std::string table_text(const engine::TableType& t) {
  return std::string(engine::val_type_name(t.elem)) + ", " + limits_text(t.limits, "elements");
}

std::string memory_text(const engine::MemoryType& t) { return limits_text(t.limits, "pages"); }

std::string global_text(const engine::GlobalType& t) {
  return std::string(t.is_mutable ? "mut " : "") + engine::val_type_name(t.type);
}

// Type of entity `index` of kind `kind`, in the module's index spaces.
std::string extern_type_text(const Module& m, ExternKind kind, uint32_t index) {
  switch (kind) {
    case ExternKind::Func: return func_type_text(m.func_type(index));
    case ExternKind::Table: return table_text(m.table_type(index));
    case ExternKind::Memory: return memory_text(m.memory_type(index));
    case ExternKind::Global: return global_text(m.global_type(index));
  }
  return "?";
}

json describe_module(const std::string& path, const Module& m) {
  json doc;
  doc["file"] = path;
  doc["size"] = m.size();

  json sections = json::array();
  for (const engine::SectionInfo& s : m.sections)
    sections.push_back({{"id", s.id}, {"name", section_name(s.id)}, {"offset", s.offset}, {"size", s.size}});
  doc["sections"] = sections;

  json imports = json::array();
  // Imports take the first indices of each index space, in order of appearance.
  uint32_t next_index[4] = {0, 0, 0, 0};
  for (const engine::Import& imp : m.imports) {
    uint32_t index = next_index[static_cast<int>(imp.kind)]++;
    imports.push_back({{"module", name_of(m, imp.module)},
                       {"name", name_of(m, imp.name)},
                       {"kind", engine::extern_kind_name(imp.kind)},
                       {"index", index},
                       {"type", extern_type_text(m, imp.kind, index)}});
  }
  doc["imports"] = imports;

  json exports = json::array();
  for (const engine::Export& exp : m.exports)
    exports.push_back({{"name", name_of(m, exp.name)},
                       {"kind", engine::extern_kind_name(exp.kind)},
                       {"index", exp.index},
                       {"type", extern_type_text(m, exp.kind, exp.index)}});
  doc["exports"] = exports;

  uint64_t code_bytes = 0;
  for (const engine::Function& f : m.functions) code_bytes += f.code.size;
  doc["functions"] = {{"imported", m.num_imported_funcs},
                      {"defined", m.functions.size()},
                      {"code_bytes", code_bytes}};
  if (m.start != engine::kNoIndex) doc["start"] = m.start;

  auto entities = [&](uint32_t count, uint32_t imported, auto text_of) {
    json list = json::array();
    for (uint32_t i = 0; i < count; ++i)
      list.push_back({{"index", i}, {"type", text_of(i)}, {"imported", i < imported}});
    return list;
  };
  doc["memories"] = entities(m.num_memories(), m.num_imported_memories,
                             [&](uint32_t i) { return memory_text(m.memory_type(i)); });
  doc["tables"] = entities(m.num_tables(), m.num_imported_tables,
                           [&](uint32_t i) { return table_text(m.table_type(i)); });
  doc["globals"] = entities(m.num_globals(), m.num_imported_globals,
                            [&](uint32_t i) { return global_text(m.global_type(i)); });
  doc["element_segments"] = m.elems.size();
  doc["data_segments"] = m.datas.size();

  json customs = json::array();
  for (const engine::CustomSection& c : m.customs)
    customs.push_back({{"name", name_of(m, c.name)}, {"offset", c.payload.offset}, {"size", c.payload.size}});
  doc["custom_sections"] = customs;
  return doc;
}

std::string hex(uint64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "0x%08" PRIx64, v);
  return buf;
}

void print_text(const json& doc) {
  printf("%s: %s bytes\n", doc["file"].get<std::string>().c_str(), doc["size"].dump().c_str());

  printf("\nsections (%zu):\n", doc["sections"].size());
  printf("  %-3s %-10s %-10s %s\n", "id", "name", "offset", "size");
  for (const json& s : doc["sections"])
    printf("  %-3d %-10s %-10s %s\n", s["id"].get<int>(), s["name"].get<std::string>().c_str(),
           hex(s["offset"].get<uint64_t>()).c_str(), s["size"].dump().c_str());

  printf("\nimports (%zu):\n", doc["imports"].size());
  for (const json& i : doc["imports"])
    printf("  %s.%s  %s %s  %s\n", i["module"].get<std::string>().c_str(),
           i["name"].get<std::string>().c_str(), i["kind"].get<std::string>().c_str(),
           i["index"].dump().c_str(), i["type"].get<std::string>().c_str());

  printf("\nexports (%zu):\n", doc["exports"].size());
  for (const json& e : doc["exports"])
    printf("  %s  %s %s  %s\n", e["name"].get<std::string>().c_str(),
           e["kind"].get<std::string>().c_str(), e["index"].dump().c_str(),
           e["type"].get<std::string>().c_str());

  const json& f = doc["functions"];
  printf("\nfunctions: %s imported, %s defined, %s bytes of code\n", f["imported"].dump().c_str(),
         f["defined"].dump().c_str(), f["code_bytes"].dump().c_str());
  if (doc.contains("start")) printf("start function: %s\n", doc["start"].dump().c_str());

  for (const char* kind : {"memories", "tables", "globals"}) {
    printf("\n%s (%zu):\n", kind, doc[kind].size());
    for (const json& e : doc[kind])
      printf("  %s: %s%s\n", e["index"].dump().c_str(), e["type"].get<std::string>().c_str(),
             e["imported"].get<bool>() ? " (imported)" : "");
  }
  printf("\nsegments: %s element, %s data\n", doc["element_segments"].dump().c_str(),
         doc["data_segments"].dump().c_str());

  printf("\ncustom sections (%zu):\n", doc["custom_sections"].size());
  for (const json& c : doc["custom_sections"])
    printf("  %s  %s bytes\n", c["name"].get<std::string>().c_str(), c["size"].dump().c_str());
}

struct InspectOptions {
  std::string file;
  bool as_json = false;
};

int inspect(const InspectOptions& o) {
  engine::Box<Module> module;
  std::string error;
  if (!load_module(engine::port::system_allocator(), o.file, &module, &error)) {
    fprintf(stderr, "error: %s\n", error.c_str());
    return kExitError;
  }
  json doc = describe_module(o.file, *module);
  if (o.as_json) {
    // Names in a module need not be valid UTF-8; replace rather than fail.
    printf("%s\n", doc.dump(2, ' ', false, json::error_handler_t::replace).c_str());
  } else {
    print_text(doc);
  }
  return kExitOk;
}

}  // namespace

Command add_inspect_command(CLI::App& app) {
  auto o = std::make_shared<InspectOptions>();
  CLI::App* cmd = app.add_subcommand("inspect", "Show a module's sections, imports, exports and more");
  cmd->add_option("file", o->file, "WebAssembly binary")->required();
  cmd->add_flag("--json", o->as_json, "Machine-readable output");
  return [o] { return inspect(*o); };
}

}  // namespace continuum::cli
