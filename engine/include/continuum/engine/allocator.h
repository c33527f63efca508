// Every byte the engine uses comes from an Allocator the embedder supplies.
// A BoundedAllocator wraps another one and refuses to go past a limit, so a
// microcontroller build can give the engine a fixed budget and a server can
// cap what a guest module may cost.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace continuum::engine {

class Allocator {
 public:
  // Returns nullptr when the memory is not available; never aborts.
  virtual void* allocate(size_t size, size_t align) = 0;
  virtual void deallocate(void* ptr, size_t size, size_t align) = 0;
  // Grows or shrinks a block; the default allocates, copies and frees.
  // Returns nullptr (old block untouched) on failure.
  virtual void* reallocate(void* ptr, size_t old_size, size_t new_size, size_t align);

 protected:
  ~Allocator() = default;
};

// Counts and bounds what passes through it. Not thread-safe: one per engine
// user, as the engine itself is single-threaded per store.
class BoundedAllocator final : public Allocator {
 public:
  BoundedAllocator(Allocator& upstream, size_t limit_bytes)
      : upstream_(upstream), limit_(limit_bytes) {}

  void* allocate(size_t size, size_t align) override;
  void deallocate(void* ptr, size_t size, size_t align) override;
  void* reallocate(void* ptr, size_t old_size, size_t new_size, size_t align) override;

  size_t used() const { return used_; }
  size_t peak() const { return peak_; }
  size_t limit() const { return limit_; }
  void set_limit(size_t limit_bytes) { limit_ = limit_bytes; }

 private:
  bool admit(size_t extra) const { return extra <= limit_ - used_ && used_ <= limit_; }
  void add(size_t n) {
    used_ += n;
    if (used_ > peak_) peak_ = used_;
  }

  Allocator& upstream_;
  size_t limit_;
  size_t used_ = 0;
  size_t peak_ = 0;
};

// Typed helpers. Objects created with make<T> must be destroyed with destroy().
template <class T, class... Args>
T* make(Allocator& a, Args&&... args);
template <class T>
void destroy(Allocator& a, T* p);

}  // namespace continuum::engine

#include <new>
#include <utility>

namespace continuum::engine {

template <class T, class... Args>
T* make(Allocator& a, Args&&... args) {
  void* mem = a.allocate(sizeof(T), alignof(T));
  if (mem == nullptr) return nullptr;
  return new (mem) T(std::forward<Args>(args)...);
}

template <class T>
void destroy(Allocator& a, T* p) {
  if (p == nullptr) return;
  p->~T();
  a.deallocate(p, sizeof(T), alignof(T));
}

// Owning pointer whose memory came from an Allocator.
template <class T>
class Box {
 public:
  Box() = default;
  // p may point to a class derived from T (single inheritance, virtual
  // destructor, e.g. Box<Execution> holding an interpreter execution): the
  // block's real size and alignment are remembered so that the allocator gets
  // back exactly the block it handed out, not sizeof(T).
  template <class U>
  Box(Allocator* a, U* p) : alloc_(a), ptr_(p), size_(sizeof(U)), align_(alignof(U)) {}
  Box(Box&& o) noexcept : alloc_(o.alloc_), ptr_(o.ptr_), size_(o.size_), align_(o.align_) {
    o.ptr_ = nullptr;
  }
  Box& operator=(Box&& o) noexcept {
    if (this != &o) {
      reset();
      alloc_ = o.alloc_;
      ptr_ = o.ptr_;
      size_ = o.size_;
      align_ = o.align_;
      o.ptr_ = nullptr;
    }
    return *this;
  }
  Box(const Box&) = delete;
  Box& operator=(const Box&) = delete;
  ~Box() { reset(); }

  void reset() {
    if (ptr_ != nullptr) {
      ptr_->~T();
      alloc_->deallocate(ptr_, size_, align_);
    }
    ptr_ = nullptr;
  }
  T* release() {
    T* p = ptr_;
    ptr_ = nullptr;
    return p;
  }
  T* get() const { return ptr_; }
  T* operator->() const { return ptr_; }
  T& operator*() const { return *ptr_; }
  explicit operator bool() const { return ptr_ != nullptr; }

 private:
  Allocator* alloc_ = nullptr;
  T* ptr_ = nullptr;
  size_t size_ = 0;
  size_t align_ = 0;
};

template <class T, class... Args>
Box<T> make_box(Allocator& a, Args&&... args) {
  return Box<T>(&a, make<T>(a, std::forward<Args>(args)...));
}

}  // namespace continuum::engine
