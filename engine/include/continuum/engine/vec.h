// A growable array whose storage comes from an engine Allocator. It reports
// allocation failure by return value (push_back/resize/reserve return false)
// instead of throwing or aborting, which std::vector cannot do without
// exceptions.
#pragma once

#include <stddef.h>
#include <string.h>

#include <new>
#include <type_traits>
#include <utility>

#include "continuum/engine/allocator.h"

namespace continuum::engine {

template <class T>
class Vec {
 public:
  Vec() = default;
  explicit Vec(Allocator* a) : alloc_(a) {}
  Vec(Vec&& o) noexcept : alloc_(o.alloc_), data_(o.data_), size_(o.size_), cap_(o.cap_) {
    o.data_ = nullptr;
    o.size_ = o.cap_ = 0;
  }
  Vec& operator=(Vec&& o) noexcept {
    if (this != &o) {
      free_all();
      alloc_ = o.alloc_;
      data_ = o.data_;
      size_ = o.size_;
      cap_ = o.cap_;
      o.data_ = nullptr;
      o.size_ = o.cap_ = 0;
    }
    return *this;
  }
  Vec(const Vec&) = delete;
  Vec& operator=(const Vec&) = delete;
  ~Vec() { free_all(); }

  void set_allocator(Allocator* a) { alloc_ = a; }
  Allocator* allocator() const { return alloc_; }

  size_t size() const { return size_; }
  size_t capacity() const { return cap_; }
  bool empty() const { return size_ == 0; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T& back() { return data_[size_ - 1]; }
  const T& back() const { return data_[size_ - 1]; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }

  [[nodiscard]] bool reserve(size_t n) {
    if (n <= cap_) return true;
    if (alloc_ == nullptr) return false;
    if (n > SIZE_MAX / sizeof(T)) return false;
    T* fresh;
    if constexpr (std::is_trivially_copyable_v<T>) {
      fresh = static_cast<T*>(
          data_ ? alloc_->reallocate(data_, cap_ * sizeof(T), n * sizeof(T), alignof(T))
                : alloc_->allocate(n * sizeof(T), alignof(T)));
      if (fresh == nullptr) return false;
    } else {
      fresh = static_cast<T*>(alloc_->allocate(n * sizeof(T), alignof(T)));
      if (fresh == nullptr) return false;
      for (size_t i = 0; i < size_; ++i) {
        new (&fresh[i]) T(std::move(data_[i]));
        data_[i].~T();
      }
      if (data_) alloc_->deallocate(data_, cap_ * sizeof(T), alignof(T));
    }
    data_ = fresh;
    cap_ = n;
    return true;
  }

  [[nodiscard]] bool push_back(T v) {
    if (size_ == cap_ && !reserve(cap_ < 4 ? 4 : cap_ * 2)) return false;
    new (&data_[size_]) T(std::move(v));
    ++size_;
    return true;
  }

  void pop_back() {
    --size_;
    data_[size_].~T();
  }

  // Grows with value-initialised elements (zero for scalars) or shrinks.
  [[nodiscard]] bool resize(size_t n) {
    if (n > size_) {
      if (!reserve(n)) return false;
      for (size_t i = size_; i < n; ++i) new (&data_[i]) T();
    } else {
      for (size_t i = n; i < size_; ++i) data_[i].~T();
    }
    size_ = n;
    return true;
  }

  void clear() {
    for (size_t i = 0; i < size_; ++i) data_[i].~T();
    size_ = 0;
  }

  // Appends raw bytes/elements (trivially copyable T only).
  [[nodiscard]] bool append(const T* src, size_t n) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (n > SIZE_MAX - size_) return false;
    if (size_ + n > cap_) {
      size_t want = cap_ * 2;
      if (want < size_ + n) want = size_ + n;
      if (!reserve(want)) return false;
    }
    if (n) memcpy(data_ + size_, src, n * sizeof(T));
    size_ += n;
    return true;
  }

 private:
  void free_all() {
    clear();
    if (data_ && alloc_) alloc_->deallocate(data_, cap_ * sizeof(T), alignof(T));
    data_ = nullptr;
    cap_ = 0;
  }

  Allocator* alloc_ = nullptr;
  T* data_ = nullptr;
  size_t size_ = 0;
  size_t cap_ = 0;
};

}  // namespace continuum::engine
