// docs/host-abi.md documents every entry of the interface table: a function
// added to continuum_abi.def (import or module export, or a status code)
// without its documentation fails here.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "continuum/host/abi.h"

namespace continuum::host {
namespace {

std::string read_doc() {
  std::ifstream in(HOST_ABI_DOC);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(AbiDoc, EveryHostFunctionHasASection) {
  std::string doc = read_doc();
  ASSERT_FALSE(doc.empty()) << HOST_ABI_DOC;
  for (int i = 0; i < kNumImports; ++i) {
    std::string heading = std::string("### ctm_") + import_info(static_cast<ImportId>(i)).name + "\n";
    EXPECT_NE(doc.find(heading), std::string::npos) << "missing section " << heading;
  }
}

TEST(AbiDoc, EveryModuleExportHasASection) {
  std::string doc = read_doc();
  for (int i = 0; i < kNumExports; ++i) {
    std::string heading = std::string("### ") + export_info(static_cast<ExportId>(i)).name + "\n";
    EXPECT_NE(doc.find(heading), std::string::npos) << "missing section " << heading;
  }
}

TEST(AbiDoc, EveryStatusCodeAndGrantKindIsListed) {
  std::string doc = read_doc();
#define CTM_ERROR(name, value, text, doc_line) \
  EXPECT_NE(doc.find("`CTM_ERR_" #name "`"), std::string::npos) << #name;
#include "continuum_errors.def"
#undef CTM_ERROR
#define CTM_GRANT(name, text, named, doc_line)                                           \
  if (GrantKind::name != GrantKind::NONE)                                                \
    EXPECT_NE(doc.find(std::string("| `") + text + ((named) ? ":" : "`")), std::string::npos) \
        << text;
#include "continuum_grants.def"
#undef CTM_GRANT
}

}  // namespace
}  // namespace continuum::host
