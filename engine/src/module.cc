// Module: the decoded sections as plain data. Every container takes the
// module's allocator, so a module costs exactly what the embedder granted.
#include <string.h>

#include "continuum/engine/module.h"

namespace continuum::engine {

Module::Module(Allocator& a)
    : types(&a),
      imports(&a),
      functions(&a),
      tables(&a),
      memories(&a),
      globals(&a),
      exports(&a),
      elems(&a),
      datas(&a),
      customs(&a),
      sections(&a),
      alloc_(&a),
      bytes_(&a),
      func_types_(&a),
      all_tables_(&a),
      all_memories_(&a),
      all_globals_(&a) {}

bool Module::name_equals(ByteRange r, const char* s, size_t len) const {
  if (r.size != len) return false;
  if (static_cast<size_t>(r.offset) + r.size > bytes_.size()) return false;
  return len == 0 || memcmp(bytes_.data() + r.offset, s, len) == 0;
}

}  // namespace continuum::engine
