#include "values.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

namespace continuum::cli {

using engine::ValType;
using engine::Value;

namespace {

// Parses an optionally signed decimal or 0x-hex integer whose magnitude fits
// 64 bits. Returns false on junk.
bool parse_integer(std::string_view text, bool* negative, uint64_t* magnitude) {
  *negative = false;
  size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
    *negative = text[i] == '-';
    ++i;
  }
  int base = 10;
  if (text.size() - i > 2 && text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
    base = 16;
    i += 2;
  }
  if (i == text.size()) return false;
  uint64_t value = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '_') continue;  // 1_000_000, as in the text format
    int digit;
    if (c >= '0' && c <= '9') digit = c - '0';
    else if (base == 16 && c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    else if (base == 16 && c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    else return false;
    if (value > (UINT64_MAX - digit) / base) return false;
    value = value * base + digit;
  }
  *magnitude = value;
  return true;
}

bool parse_int_of_width(std::string_view text, unsigned bits, uint64_t* out) {
  bool negative;
  uint64_t magnitude;
  if (!parse_integer(text, &negative, &magnitude)) return false;
  uint64_t unsigned_max = bits == 64 ? UINT64_MAX : (uint64_t(1) << bits) - 1;
  uint64_t negative_max = uint64_t(1) << (bits - 1);  // |INT_MIN|
  if (negative) {
    if (magnitude > negative_max) return false;
    *out = (0 - magnitude) & unsigned_max;
  } else {
    // Both the signed and the unsigned range are accepted: 4294967295 == -1.
    if (magnitude > unsigned_max) return false;
    *out = magnitude;
  }
  return true;
}

std::string float_text(double value, int digits) {
  char buf[64];
  snprintf(buf, sizeof buf, "%.*g", digits, value);
  return buf;
}

std::string nan_text(bool sign, uint64_t payload, uint64_t canonical) {
  std::string text = sign ? "-nan" : "nan";
  if (payload != canonical) {
    char buf[32];
    snprintf(buf, sizeof buf, ":0x%" PRIx64, payload);
    text += buf;
  }
  return text;
}

}  // namespace

bool parse_value(ValType type, std::string_view text, Value* out, std::string* error) {
  std::string str(text);
  switch (type) {
    case ValType::I32:
    case ValType::I64: {
      uint64_t bits;
      if (!parse_int_of_width(text, type == ValType::I32 ? 32 : 64, &bits)) {
        *error = "'" + str + "' is not a valid " + engine::val_type_name(type) +
                 " (decimal or 0x hex, within range)";
        return false;
      }
      *out = Value{type, bits};
      return true;
    }
    case ValType::F32:
    case ValType::F64: {
      if (str.empty()) {
        *error = std::string("empty ") + engine::val_type_name(type) + " argument";
        return false;
      }
      errno = 0;
      char* end = nullptr;
      if (type == ValType::F32) {
        float f = strtof(str.c_str(), &end);
        if (*end == '\0') {
          *out = Value::f32(f);
          return true;
        }
      } else {
        double d = strtod(str.c_str(), &end);
        if (*end == '\0') {
          *out = Value::f64(d);
          return true;
        }
      }
      *error = "'" + str + "' is not a valid " + engine::val_type_name(type) +
               " (e.g. 1.5, -0x1p3, nan, inf)";
      return false;
    }
    case ValType::FuncRef:
    case ValType::ExternRef:
      if (str == "null") {
        *out = Value::ref(type, 0);
        return true;
      }
      *error = std::string("only 'null' can be given for a ") + engine::val_type_name(type);
      return false;
    case ValType::V128:
    case ValType::None:
      break;
  }
  *error = std::string("values of type ") + engine::val_type_name(type) + " are not supported";
  return false;
}

std::string format_value(const Value& value) {
  std::string prefix = std::string(engine::val_type_name(value.type)) + ":";
  char buf[64];
  switch (value.type) {
    case ValType::I32:
      snprintf(buf, sizeof buf, "%" PRId32, value.as_i32());
      return prefix + buf;
    case ValType::I64:
      snprintf(buf, sizeof buf, "%" PRId64, value.as_i64());
      return prefix + buf;
    case ValType::F32: {
      uint32_t bits = static_cast<uint32_t>(value.bits);
      if ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu) != 0)
        return prefix + nan_text(bits >> 31, bits & 0x007fffffu, 0x00400000u);
      return prefix + float_text(value.as_f32(), 9);
    }
    case ValType::F64: {
      uint64_t bits = value.bits;
      uint64_t mantissa = bits & 0x000fffffffffffffull;
      if ((bits & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && mantissa != 0)
        return prefix + nan_text(bits >> 63, mantissa, 0x0008000000000000ull);
      return prefix + float_text(value.as_f64(), 17);
    }
    case ValType::FuncRef:
    case ValType::ExternRef:
      if (value.bits == 0) return prefix + "null";
      snprintf(buf, sizeof buf, "0x%" PRIx64, value.bits);
      return prefix + buf;
    case ValType::V128:
    case ValType::None:
      break;
  }
  snprintf(buf, sizeof buf, "0x%" PRIx64, value.bits);
  return prefix + buf;
}

std::string format_value_exact(const Value& value) {
  char buf[32];
  if (value.type == ValType::F32) {
    snprintf(buf, sizeof buf, " (0x%08" PRIx32 ")", static_cast<uint32_t>(value.bits));
    return format_value(value) + buf;
  }
  if (value.type == ValType::F64) {
    snprintf(buf, sizeof buf, " (0x%016" PRIx64 ")", value.bits);
    return format_value(value) + buf;
  }
  return format_value(value);
}

bool parse_byte_size(std::string_view text, uint64_t* out) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return false;
  uint64_t number = 0;
  for (size_t i = 0; i < digits; ++i) {
    uint64_t d = static_cast<uint64_t>(text[i] - '0');
    if (number > (UINT64_MAX - d) / 10) return false;
    number = number * 10 + d;
  }
  std::string_view suffix = text.substr(digits);
  struct Unit {
    const char* names[4];
    unsigned shift;
  };
  static const Unit kUnits[] = {
      {{"", "B", nullptr, nullptr}, 0},
      {{"K", "KB", "KiB", "k"}, 10},
      {{"M", "MB", "MiB", nullptr}, 20},
      {{"G", "GB", "GiB", nullptr}, 30},
  };
  for (const Unit& unit : kUnits) {
    for (const char* name : unit.names) {
      if (name == nullptr || suffix != name) continue;
      if (unit.shift && number > (UINT64_MAX >> unit.shift)) return false;
      *out = number << unit.shift;
      return true;
    }
  }
  return false;
}

}  // namespace continuum::cli
