// Throwaway check of the decoder + validator against the spec test suite
// (not the real `continuum spectest` runner, which lives in cli/).
//
// For every JSON file produced by wast2json it decodes each binary module:
//   module / assert_unlinkable / assert_uninstantiable / assert_trap(module)
//       must decode and validate;
//   assert_malformed / assert_invalid must be refused, ideally with the
//       suite's message (counted as a match when ours starts with theirs).
//
// Build (after building continuum_engine in build/<you>):
//   g++ -std=c++20 -O1 -I engine/include tests/tools/spec_decode_check.cc \
//       build/<you>/engine/libcontinuum_engine.a -o /tmp/spec_decode_check
// Run:
//   /tmp/spec_decode_check [-v] dir1/x.json dir2/y.json ...
#include <stdio.h>
#include <string.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "continuum/engine/module.h"
#include "continuum/engine/port.h"

using namespace continuum::engine;

namespace {

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string message_of(const Error& e) {
  char buf[512];
  format_error(e, buf, sizeof buf);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  bool verbose = false;
  int valid_ok = 0, valid_fail = 0, reject_match = 0, reject_other = 0, accepted_bad = 0;
  std::map<std::string, int> other_messages;
  for (int i = 1; i < argc; ++i) {
    std::string path = argv[i];
    if (path == "-v") {
      verbose = true;
      continue;
    }
    std::string dir = path.substr(0, path.rfind('/') + 1);
    nlohmann::json doc = nlohmann::json::parse(std::ifstream(path));
    for (const auto& cmd : doc["commands"]) {
      std::string type = cmd["type"];
      bool must_fail = type == "assert_malformed" || type == "assert_invalid";
      bool must_pass = type == "module" || type == "assert_unlinkable" || type == "assert_uninstantiable";
      if (!must_fail && !must_pass) continue;
      if (!cmd.contains("filename")) continue;
      if (cmd.contains("module_type") && cmd["module_type"] != "binary") continue;
      std::string file = cmd["filename"];
      std::vector<uint8_t> bytes = read_file(dir + file);
      auto result = decode_module(port::system_allocator(), bytes.data(), bytes.size());
      int line = cmd["line"];
      if (must_pass) {
        if (result.ok()) {
          ++valid_ok;
        } else {
          ++valid_fail;
          printf("REFUSED valid %s:%d %s: %s\n", path.c_str(), line, file.c_str(),
                 message_of(result.error()).c_str());
        }
        continue;
      }
      std::string expected = cmd["text"];
      if (result.ok()) {
        ++accepted_bad;
        printf("ACCEPTED %s %s:%d %s (expected \"%s\")\n", type.c_str(), path.c_str(), line, file.c_str(),
               expected.c_str());
        continue;
      }
      const char* got = result.error().message ? result.error().message : "";
      if (strncmp(got, expected.c_str(), expected.size()) == 0) {
        ++reject_match;
      } else {
        ++reject_other;
        other_messages["expected \"" + expected + "\" got \"" + got + "\""]++;
        if (verbose)
          printf("MESSAGE %s:%d %s expected \"%s\" got \"%s\"\n", path.c_str(), line, file.c_str(),
                 expected.c_str(), message_of(result.error()).c_str());
      }
    }
  }
  for (const auto& [text, n] : other_messages) printf("%5d  %s\n", n, text.c_str());
  printf("valid modules: %d ok, %d refused\n", valid_ok, valid_fail);
  printf("malformed/invalid: %d refused with the suite's message, %d refused with another, %d accepted\n",
         reject_match, reject_other, accepted_bad);
  return valid_fail == 0 && accepted_bad == 0 ? 0 : 1;
}
