// The linker: a list of (module, name) -> extern value definitions that
// instantiation resolves imports against. Later definitions of the same name
// replace earlier ones (the spec test scripts re-register names).
#include <string.h>

#include "continuum/engine/runtime.h"
#include "runtime/instance.h"

namespace continuum::engine {

struct Linker::Entry {
  Vec<char> module;
  Vec<char> name;
  ExternVal value;
};

namespace {

bool equals(const Vec<char>& a, const char* b, size_t len) {
  return a.size() == len && (len == 0 || memcmp(a.data(), b, len) == 0);
}

const Error kOutOfMemory = Error::at("out of memory", kNoIndex);

}  // namespace

Linker::Linker(Allocator& a) : alloc_(&a), entries_(&a) {}

Linker::~Linker() {
  for (Entry* e : entries_) destroy(*alloc_, e);
}

ExternVal Linker::resolve(const char* module, size_t module_len, const char* name,
                          size_t name_len) const {
  for (const Entry* e : entries_)
    if (equals(e->module, module, module_len) && equals(e->name, name, name_len)) return e->value;
  return ExternVal();
}

Result<void> Linker::define(const char* module, const char* name, ExternVal v) {
  size_t module_len = strlen(module), name_len = strlen(name);
  for (Entry* e : entries_) {
    if (equals(e->module, module, module_len) && equals(e->name, name, name_len)) {
      e->value = v;
      return Ok();
    }
  }
  Entry* e = make<Entry>(*alloc_);
  if (e == nullptr) return kOutOfMemory;
  e->module.set_allocator(alloc_);
  e->name.set_allocator(alloc_);
  e->value = v;
  if (!e->module.append(module, module_len) || !e->name.append(name, name_len) ||
      !entries_.push_back(e)) {
    destroy(*alloc_, e);
    return kOutOfMemory;
  }
  return Ok();
}

Result<void> Linker::define_instance(const char* module, Instance& inst) {
  const Module& m = inst.module();
  // define() takes C strings, so each export name is copied and terminated.
  // (An export name with an embedded NUL byte is registered up to that byte.)
  Vec<char> name(alloc_);
  for (const Export& ex : m.exports) {
    name.clear();
    if (!name.append(m.name_ptr(ex.name), ex.name.size) || !name.push_back('\0')) return kOutOfMemory;
    CTM_TRY(define(module, name.data(), inst.find_export(name.data(), ex.name.size)));
  }
  return Ok();
}

}  // namespace continuum::engine
