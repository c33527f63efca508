// Lookup tables generated from opcodes.def.
#include "continuum/engine/opcodes.h"

namespace continuum::engine {
namespace {

constexpr ValType V = ValType::None;
constexpr ValType X = ValType::None;
constexpr ValType I32 = ValType::I32;
constexpr ValType I64 = ValType::I64;
constexpr ValType F32 = ValType::F32;
constexpr ValType F64 = ValType::F64;

// X marks hand-validated instructions; a constexpr comparison on the token text
// would be clumsy, so the table passes it through this overload set.
struct Special {};
constexpr bool is_special(Special) { return true; }
constexpr bool is_special(ValType) { return false; }
#define CTM_SPECIAL_X Special{}
#define CTM_SPECIAL_V V
#define CTM_SPECIAL_I32 I32
#define CTM_SPECIAL_I64 I64
#define CTM_SPECIAL_F32 F32
#define CTM_SPECIAL_F64 F64

constexpr OpInfo kOps[] = {
#define CTM_OP(ident, text, prefix, code, imm, a, b, r, mem)                                     \
  {Op::ident, text, prefix, code, Imm::imm, is_special(CTM_SPECIAL_##a), a, b, r, mem},
#include "continuum/engine/opcodes.def"
#undef CTM_OP
};

static_assert(sizeof(kOps) / sizeof(kOps[0]) == kOpCount);

struct Tables {
  const OpInfo* single[256] = {};
  const OpInfo* fc[32] = {};
  constexpr Tables() {
    for (const OpInfo& info : kOps) {
      if (info.prefix == 0) single[info.code] = &info;
      else fc[info.code] = &info;
    }
  }
};

constexpr Tables kTables;

}  // namespace

const OpInfo& op_info(Op op) { return kOps[static_cast<uint16_t>(op)]; }
const OpInfo* op_info_single(uint8_t byte) { return kTables.single[byte]; }
const OpInfo* op_info_fc(uint32_t code) { return code < 32 ? kTables.fc[code] : nullptr; }

}  // namespace continuum::engine
