// Errors as values. The engine never throws; every fallible call returns a
// Result<T> that must be looked at ([[nodiscard]]).
//
// An Error carries only static strings and numbers, so it costs no allocation
// and works on a microcontroller. format_error() renders the full sentence,
// e.g. "type mismatch in i32.add: expected i32, got f64 (function 4, offset 0x1f3)".
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <new>
#include <utility>

#include "continuum/engine/types.h"

namespace continuum::engine {

inline constexpr uint32_t kNoIndex = 0xFFFFFFFFu;

struct Error {
  const char* message = nullptr;  // static text: "type mismatch", "unexpected end", ...
  const char* context = nullptr;  // optional static text, e.g. an opcode name "i32.add"
  uint32_t offset = kNoIndex;     // byte offset in the module binary, kNoIndex if none
  uint32_t function = kNoIndex;   // function index (whole index space), kNoIndex if none
  ValType expected = ValType::None;  // for type errors: what the instruction wanted
  ValType actual = ValType::None;    // ... and what it found

  static Error at(const char* message, uint32_t offset) {
    Error e;
    e.message = message;
    e.offset = offset;
    return e;
  }
};

// Renders an error into buf (always NUL-terminated when n > 0). Returns the
// length the full text would have (like snprintf).
size_t format_error(const Error& error, char* buf, size_t n);

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : ok_(true) { new (&storage_.value) T(std::move(value)); }
  Result(Error error) : ok_(false) { new (&storage_.error) Error(error); }
  Result(Result&& other) noexcept : ok_(other.ok_) {
    if (ok_) new (&storage_.value) T(std::move(other.storage_.value));
    else new (&storage_.error) Error(other.storage_.error);
  }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  ~Result() {
    if (ok_) storage_.value.~T();
  }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  T& value() { return storage_.value; }
  const T& value() const { return storage_.value; }
  T take() { return std::move(storage_.value); }
  const Error& error() const { return storage_.error; }

 private:
  bool ok_;
  union Storage {
    Storage() {}
    ~Storage() {}
    T value;
    Error error;
  } storage_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() : ok_(true) {}
  Result(Error error) : ok_(false), error_(error) {}
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  bool ok_;
  Error error_;
};

inline Result<void> Ok() { return Result<void>(); }

}  // namespace continuum::engine

// Propagates an error from an expression returning Result<void>.
#define CTM_TRY(expr)                              \
  do {                                             \
    auto ctm_try_result_ = (expr);                 \
    if (!ctm_try_result_.ok()) return ctm_try_result_.error(); \
  } while (0)

// Evaluates a Result<T> expression, assigns its value to `lhs` or returns the error.
#define CTM_TRY_ASSIGN(lhs, expr)                  \
  do {                                             \
    auto ctm_try_result_ = (expr);                 \
    if (!ctm_try_result_.ok()) return ctm_try_result_.error(); \
    lhs = ctm_try_result_.take();                  \
  } while (0)
