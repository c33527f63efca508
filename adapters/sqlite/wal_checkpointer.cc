#include "wal_checkpointer.h"

namespace continuum::adapters::sqlite {

using node::Status;

Status WalCheckpointer::start(const std::string& path, Durability durability, std::chrono::milliseconds interval) {
  if (Status s = db_.open(path, durability); !s) return s;
  interval_ = interval;
  thread_ = std::thread([this] { run(); });
  return Status::success();
}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WalCheckpointer::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    // PASSIVE: copies what no reader still needs and never waits for or
    // blocks a writer; whatever it could not copy, the next round does.
    sqlite3_wal_checkpoint_v2(db_.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    lock.lock();
  }
}

}  // namespace continuum::adapters::sqlite
